/// Hyper-parameters of LiteMedSAM's TinyViT-5M image encoder (256x256 input, 64x64x256 output).
public struct TinyViTConfiguration: Sendable, Equatable {
    public var inputSize = 256
    public var inChannels = 3
    public var embedDims = [64, 128, 160, 320]
    public var depths = [2, 2, 6, 2]
    public var heads = [2, 4, 5, 10]
    public var windowSizes = [7, 7, 14, 7]
    public var mlpRatio = 4
    public var mbconvExpandRatio = 4
    public var neckChannels = 256

    /// LiteMedSAM's encoder as shipped in `lite_medsam.pth`.
    public static let liteMedSAM = TinyViTConfiguration()

    /// LiteMedSAM's TinyViT (the defaults above).
    public init() {}
}

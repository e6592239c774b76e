import MedImageIO

/// LiteMedSAM inference on challenge cases (``ChallengeCase``), matching the reference script
/// `CVPR24_LiteMedSAM_infer.py` of the LiteMedSAM branch of bowang-lab/MedSAM.
///
/// - 2D: the image is embedded once and every box decoded against it (single-mask token); object
///   `k` (1-based row of `boxes`) is written as id `k`.
/// - 3D: each object is segmented slice by slice from its middle slice up to `z_max`, then from the
///   middle slice − 1 down to `z_min` (both included); the middle slice uses the given box, every other slice
///   the box of the object's mask on the neighbouring slice towards the middle (`PropagatedBox`),
///   or the given box again when that mask is empty. Unlike the reference (which re-encodes a slice
///   for every object), the runner sweeps the volume once upwards and once downwards, encoding each
///   slice once and decoding all objects that need it in one batch; the result is the same.
///
/// The runner never prints; progress goes to the optional callback.
public struct ChallengeRunner: Sendable {
    public let predictor: LiteMedSAMPredictor
    public let limits: ChallengeLimits

    /// A runner segmenting challenge cases with `predictor` within `limits`.
    public init(predictor: LiteMedSAMPredictor, limits: ChallengeLimits = ChallengeLimits()) {
        self.predictor = predictor
        self.limits = limits
    }

    /// Segments one case.
    ///
    /// - Parameters:
    ///   - challengeCase: a 2D or 3D case read by `ChallengeCase.read(contentsOf:limits:)`.
    ///   - progress: called after each encoded image or slice with (done, total).
    public func segment(_ challengeCase: ChallengeCase, progress: ((Int, Int) -> Void)? = nil) throws
        -> ChallengeSegmentation
    {
        switch challengeCase {
        case .image(_, let image, let boxes):
            let result = try segmentImage(image, boxes: boxes)
            progress?(1, 1)
            return result
        case .volume(_, let volume, let boxes):
            return try segmentVolume(volume, boxes: boxes, progress: progress)
        }
    }

    private func segmentImage(_ image: MedicalImage, boxes: [BoundingBox]) throws -> ChallengeSegmentation {
        var labels = [UInt16](repeating: 0, count: image.width * image.height)
        if !boxes.isEmpty {
            let embedded = try predictor.embed(image)
            let results = try predictor.segment(embedded, prompts: boxes.map { ImagePrompt(box: $0) })
            for (index, result) in results.enumerated() {
                paint(result.masks[0].pixels, id: index + 1, into: &labels, offset: 0)
            }
        }
        return ChallengeSegmentation(shape: [image.height, image.width], labels: labels)
    }

    private func segmentVolume(_ volume: ChallengeVolume, boxes: [VolumeBox], progress: ((Int, Int) -> Void)?) throws
        -> ChallengeSegmentation
    {
        let plane = volume.height * volume.width
        var labels = [UInt16](repeating: 0, count: volume.depth * plane)
        guard !boxes.isEmpty else {
            return ChallengeSegmentation(shape: [volume.depth, volume.height, volume.width], labels: labels)
        }
        let middles = boxes.map(\.middleSlice)
        let middleBoxes = try boxes.map { box -> BoxPrompt in
            let b = try PromptMapping.modelBox(box.planeBox, height: volume.height, width: volume.width)
            return BoxPrompt(x0: b[0], y0: b[1], x1: b[2], y1: b[3])
        }
        // Objects active on slice z in each sweep.
        func upward(_ z: Int) -> [Int] { boxes.indices.filter { middles[$0] <= z && z <= boxes[$0].zMax } }
        func downward(_ z: Int) -> [Int] { boxes.indices.filter { boxes[$0].zMin <= z && z < middles[$0] } }
        let upSlices = Array(middles.min()!...boxes.map(\.zMax).max()!).filter { !upward($0).isEmpty }
        let downSlices = Array(
            stride(from: middles.max()! - 1, through: boxes.map(\.zMin).min()!, by: -1)
        ).filter { !downward($0).isEmpty }
        let downSet = Set(downSlices)
        let total = Set(upSlices).union(downSet).count
        var done = 0
        var cache: [Int: EmbeddedImage] = [:]

        func embed(_ z: Int) throws -> EmbeddedImage {
            if let cached = cache.removeValue(forKey: z) { return cached }
            let embedded = try predictor.embed(volume.slice(z))
            done += 1
            progress?(done, total)
            return embedded
        }
        func decode(_ z: Int, objects: [Int], embedded: EmbeddedImage, previous: [[UInt8]?]) -> [[UInt8]] {
            let prompts = objects.map { k -> Prompt in
                let propagated = previous[k].flatMap {
                    PropagatedBox.box(fromMask: $0, label: k + 1, height: volume.height, width: volume.width)
                }
                return Prompt(box: propagated ?? middleBoxes[k])
            }
            let results = predictor.decode(prompts, for: embedded)
            return results.map { $0.masks[0].pixels }
        }

        // Upward sweep: middle slice to z_max for every object.
        var previous = [[UInt8]?](repeating: nil, count: boxes.count)
        var middleMasks = previous
        for z in upSlices {
            let objects = upward(z)
            let embedded = try embed(z)
            if downSet.contains(z) && cache.count < limits.maxCachedEmbeddings { cache[z] = embedded }
            let masks = decode(z, objects: objects, embedded: embedded, previous: previous)
            for (k, mask) in zip(objects, masks) {
                // On its middle slice an object has no previous mask yet, so it starts from the given box.
                previous[k] = mask
                if z == middles[k] { middleMasks[k] = mask }
                paint(mask, id: k + 1, into: &labels, offset: z * plane)
            }
        }
        // Downward sweep: middle slice - 1 to z_min, starting from the middle slice's mask.
        previous = middleMasks
        for z in downSlices {
            let objects = downward(z)
            let embedded = try embed(z)
            let masks = decode(z, objects: objects, embedded: embedded, previous: previous)
            for (k, mask) in zip(objects, masks) {
                previous[k] = mask
                paint(mask, id: k + 1, into: &labels, offset: z * plane)
            }
        }
        return ChallengeSegmentation(shape: [volume.depth, volume.height, volume.width], labels: labels)
    }

    /// Writes `id` where `mask` is set, unless a higher id is already there (later objects win).
    private func paint(_ mask: [UInt8], id: Int, into labels: inout [UInt16], offset: Int) {
        let value = UInt16(id)
        for (p, m) in mask.enumerated() where m != 0 && labels[offset + p] < value { labels[offset + p] = value }
    }
}

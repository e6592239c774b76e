import SAMLayers
import SAMTensor

/// The class prompt encoder for several classes of one image at once, tape-free (inference): the same
/// function as `ClassPromptEncoder.forward` per class, computed with the classes stacked along the rows
/// of every 1x1 layer (one GEMM of `K · 4096` rows instead of K of 4096) and with the work that does
/// not depend on the class done once:
/// - the first 1x1 layer (`257 → 64`) on `[F_I + ε + c ‖ c]` is `W_F·F_I + b` (once per image) plus
///   `c(p) · (W_F·1 + w_c)` (a rank-one term per class) plus `W_F·ε` (only with noise), where `W_F` are
///   its first 256 input columns and `w_c` its last;
/// - the 3x3 convolutions run as a GEMM over each class's patches in `GEMMPrecision.current`
///   (`Convolution3x3Layer.applyInGEMMPrecision`: with `--precision bf16` they run in bf16 too, unlike
///   the per-class forward, whose 3x3 convolutions stay f32);
/// - the sparse branch's output layer (`64 → 256`, no activation) is applied after the average pooling
///   over the left and right halves (an affine map commutes with the mean), on 2 vectors per class
///   instead of 4096 positions.
///
/// The results equal the per-class forward up to float rounding (sums in another order; checked
/// element-wise in `ClassPromptBatchTests`).
extension ClassPromptEncoder {
    /// The prompt embeddings of class rows `classIndices` (each 0..<K) for one image embedding
    /// `[64, 64, 256]` (NHWC).
    ///
    /// - Parameters:
    ///   - embedding: LiteMedSAM's image embedding `[64, 64, 256]`.
    ///   - classIndices: class rows (0..<K), in the order of the outputs.
    ///   - noises: one diffusion noise `[64, 64, 256]` (or nil) per class, or empty for none.
    ///   - positionalEncoding: LiteMedSAM's dense positional encoding `[64, 64, 256]` (needed when the
    ///     encoder has `positionalInput`).
    /// - Returns: one `Output` per class: sparse tokens `[1, 2, 256]` and the dense map `[64, 64, 256]`
    ///   (each nil when its branch is off; with `.denseWithClassTokens` the sparse tokens are the class's
    ///   tokens).
    public func promptEmbeddings(
        embedding: Tensor, classIndices: [Int], noises: [Tensor?] = [], positionalEncoding: Tensor? = nil
    ) -> [Output<Tensor>] {
        precondition(noises.isEmpty || noises.count == classIndices.count, "one noise per class")
        precondition(
            !positionalInput || positionalEncoding != nil, "this class prompt encoder needs the positional encoding")
        let count = classIndices.count
        guard count > 0 else { return [] }
        let (side, dim) = (Self.side, Self.embedDim)
        let positions = side * side
        precondition(embedding.count == positions * dim, "embedding \(embedding.shape), want [64, 64, 256]")
        for row in classIndices {
            precondition((0..<classCount).contains(row), "class row \(row) of \(classCount)")
        }
        // The class maps c_k, stacked: [K, 4096].
        let classMaps: [[Float]] = classIndices.map { classProjection.map(ofRow: $0) }

        // Level 0's 1x1 layer, split into the shared image term and a rank-one class term.
        let first = levels[0].reduce.linear
        let width0 = first.outFeatures
        var imageColumns = [Float](repeating: 0, count: width0 * dim)
        var classDirection = [Float](repeating: 0, count: width0)
        for o in 0..<width0 {
            var total: Float = 0
            for i in 0..<dim {
                let w = first.weight[o * (dim + 1) + i]
                imageColumns[o * dim + i] = w
                total += w
            }
            classDirection[o] = total + first.weight[o * (dim + 1) + dim]
        }
        let imageLayer = Linear(weight: imageColumns, bias: first.bias, inFeatures: dim, outFeatures: width0)
        var input = embedding.reshaped([positions, dim])
        if positionalInput, let positionalEncoding { input.add(positionalEncoding.reshaped([positions, dim])) }
        let shared = imageLayer(input)
        let noiseLayer = Linear(weight: imageColumns, bias: nil, inFeatures: dim, outFeatures: width0)
        var h = Tensor(shape: [count * positions, width0])
        for k in 0..<count {
            let noiseTerm = (noises.isEmpty ? nil : noises[k]).map { noiseLayer($0.reshaped([positions, dim])) }
            let noiseValues = noiseTerm?.storage ?? []
            h.storage.withUnsafeMutableBufferPointer { out in
                shared.storage.withUnsafeBufferPointer { sharedBuffer in
                    classDirection.withUnsafeBufferPointer { directionBuffer in
                        classMaps[k].withUnsafeBufferPointer { mapBuffer in
                            noiseValues.withUnsafeBufferPointer { noiseBuffer in
                                let o = SharedMutablePointer(out.baseAddress! + k * positions * width0)
                                let image = SharedPointer(sharedBuffer.baseAddress!)
                                let direction = SharedPointer(directionBuffer.baseAddress!)
                                let map = SharedPointer(mapBuffer.baseAddress!)
                                let noise = noiseTerm == nil ? nil : noiseBuffer.baseAddress.map { SharedPointer($0) }
                                Parallel.forEachChunk(of: positions, minimumChunk: 256) { range in
                                    for p in range {
                                        let c = map.base[p]
                                        for ch in 0..<width0 {
                                            var v = image.base[p * width0 + ch] + c * direction.base[ch]
                                            if let noise { v += noise.base[p * width0 + ch] }
                                            o.base[p * width0 + ch] = v
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h.applyReLU()

        // The encoder levels: 3x3 convolutions per class, 1x1 layers stacked.
        var skips: [Tensor] = []
        for (l, level) in levels.enumerated() {
            if l > 0 {
                h = level.reduce.linear(h)
                h.applyReLU()
            }
            h = level.convolution.applyInGEMMPrecision(h, images: count, height: side, width: side)
            h.applyReLU()
            skips.append(h)
        }
        for layer in middle {
            h = layer.linear(h)
            h.applyReLU()
        }
        let denseMaps = dense.map { branch(h, $0, skips: skips, classMaps: classMaps) }
        var tokens: [Tensor]? = sparse.map { sparse in
            let decoded = branch(h, sparse, skips: skips, classMaps: classMaps, skipOutput: true)
            let width = decoded.shape[1]
            // Mean over the left (x < 32) and right halves of each class's decoded map, then the output layer.
            var pooled = [Float](repeating: 0, count: count * Self.sparseTokenCount * width)
            for k in 0..<count {
                for y in 0..<side {
                    for x in 0..<side {
                        let half = x < side / 2 ? 0 : 1
                        let from = (k * positions + y * side + x) * width
                        let to = (k * Self.sparseTokenCount + half) * width
                        for ch in 0..<width { pooled[to + ch] += decoded.storage[from + ch] }
                    }
                }
            }
            let share = Float(positions / Self.sparseTokenCount)
            for i in pooled.indices { pooled[i] /= share }
            let out = sparse.output.linear(Tensor(shape: [count * Self.sparseTokenCount, width], storage: pooled))
            return (0..<count).map { k in
                let span = Self.sparseTokenCount * dim
                var values = Array(out.storage[(k * span)..<((k + 1) * span)])
                if let classTokens {
                    let row = classIndices[k]
                    for i in 0..<span { values[i] += classTokens.values[row * span + i] }
                }
                return Tensor(shape: [1, Self.sparseTokenCount, dim], storage: values)
            }
        }
        if sparse == nil, let classTokens {
            let span = Self.sparseTokenCount * dim
            tokens = classIndices.map { row in
                Tensor(
                    shape: [1, Self.sparseTokenCount, dim],
                    storage: Array(classTokens.values[(row * span)..<((row + 1) * span)]))
            }
        }
        return (0..<count).map { k in
            Output(
                sparse: tokens?[k],
                dense: denseMaps.map {
                    Tensor(
                        shape: [side, side, dim],
                        storage: Array($0.storage[(k * positions * dim)..<((k + 1) * positions * dim)]))
                })
        }
    }

    /// One branch on the stacked classes: the attended levels and the decoding, `[K · 4096, 256]` (or,
    /// with `skipOutput`, the decoded `[K · 4096, C_0]` before the output layer).
    private func branch(
        _ middle: Tensor, _ branch: ClassPromptBranch, skips: [Tensor], classMaps: [[Float]], skipOutput: Bool = false
    ) -> Tensor {
        let count = classMaps.count
        let positions = Self.side * Self.side
        var attended: [Tensor] = []
        for (features, layer) in zip(skips, branch.attentionLayers) {
            let width = features.shape[1]
            switch branch.attention {
            case .elementWise:
                var conditioned = [Float](repeating: 0, count: count * positions * (width + 1))
                conditioned.withUnsafeMutableBufferPointer { out in
                    features.storage.withUnsafeBufferPointer { f in
                        let (o, source) = (SharedMutablePointer(out.baseAddress!), SharedPointer(f.baseAddress!))
                        Parallel.forEachChunk(of: count * positions, minimumChunk: 256) { rows in
                            for row in rows {
                                (o.base + row * (width + 1)).update(from: source.base + row * width, count: width)
                                o.base[row * (width + 1) + width] = classMaps[row / positions][row % positions]
                            }
                        }
                    }
                }
                var weights = layer.linear(Tensor(shape: [count * positions, width + 1], storage: conditioned))
                if branch.attentionSigmoid { Self.applySigmoid(&weights) }
                weights.storage.withUnsafeMutableBufferPointer { w in
                    features.storage.withUnsafeBufferPointer { f in
                        let (target, source) = (SharedMutablePointer(w.baseAddress!), SharedPointer(f.baseAddress!))
                        Parallel.forEachChunk(of: w.count, minimumChunk: 1 << 16) { range in
                            for i in range { target.base[i] *= source.base[i] }
                        }
                    }
                }
                attended.append(weights)
            case .channel:
                var scaled = features
                for k in 0..<count {
                    var pooled = [Float](repeating: 0, count: width + 1)
                    for p in 0..<positions {
                        let row = k * positions + p
                        for ch in 0..<width { pooled[ch] += features.storage[row * width + ch] }
                        pooled[width] += classMaps[k][p]
                    }
                    for ch in 0...width { pooled[ch] /= Float(positions) }
                    var weights = Tensor(shape: [width], storage: layer.linear.apply(to: pooled))
                    TapeFree().applySigmoid(&weights)
                    for p in 0..<positions {
                        let row = k * positions + p
                        for ch in 0..<width { scaled.storage[row * width + ch] *= weights.storage[ch] }
                    }
                }
                attended.append(scaled)
            }
        }
        var x = middle
        for (layer, skip) in zip(branch.decoderLayers, attended.reversed()) {
            let (a, b) = (x.shape[1], skip.shape[1])
            var joined = [Float](repeating: 0, count: count * positions * (a + b))
            joined.withUnsafeMutableBufferPointer { out in
                x.storage.withUnsafeBufferPointer { xs in
                    skip.storage.withUnsafeBufferPointer { ss in
                        let o = SharedMutablePointer(out.baseAddress!)
                        let (left, right) = (SharedPointer(xs.baseAddress!), SharedPointer(ss.baseAddress!))
                        Parallel.forEachChunk(of: count * positions, minimumChunk: 256) { rows in
                            for row in rows {
                                (o.base + row * (a + b)).update(from: left.base + row * a, count: a)
                                (o.base + row * (a + b) + a).update(from: right.base + row * b, count: b)
                            }
                        }
                    }
                }
            }
            x = layer.linear(Tensor(shape: [count * positions, a + b], storage: joined))
            x.applyReLU()
        }
        return skipOutput ? x : branch.output.linear(x)
    }

    /// The logistic function element-wise in `TapeFree.applySigmoid`'s stable form (`e = exp(−|x|)`,
    /// `1/(1+e)` or `e/(1+e)`), vectorised (`Elementwise.sigmoid`), the values split over the cores.
    private static func applySigmoid(_ x: inout Tensor) {
        x.storage.withUnsafeMutableBufferPointer { Elementwise.sigmoid($0) }
    }
}

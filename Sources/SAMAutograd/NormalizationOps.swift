import SAMTensor

extension Variable {
    /// Softmax over the last dimension (max-subtracted); backward `y ⊙ (g − Σ g y)`.
    public func softmax() -> Variable {
        let shape = self.shape
        let cols = shape.last ?? 1
        let rows = count / Swift.max(cols, 1)
        var y = value
        y.storage.withUnsafeMutableBufferPointer { yb in
            let sy = SharedMutablePointer(yb.baseAddress!)
            Parallel.forEachChunk(of: rows, minimumChunk: Swift.max(1, 8192 / Swift.max(cols, 1))) { range in
                Normalization.softmaxRows(sy.base + range.lowerBound * cols, rows: range.count, cols: cols)
            }
        }
        let output = y
        return graph.record(output, inputs: [self]) { graph, g in
            let dx = Tensor(shape: shape) { out in
                output.storage.withUnsafeBufferPointer { yb in
                    g.storage.withUnsafeBufferPointer { gb in
                        let sy = SharedPointer(yb.baseAddress!)
                        let sg = SharedPointer(gb.baseAddress!)
                        let so = SharedMutablePointer(out.baseAddress!)
                        Parallel.forEachChunk(of: rows, minimumChunk: Swift.max(1, 8192 / Swift.max(cols, 1))) {
                            range in
                            for r in range {
                                let p = sy.base + r * cols
                                let d = sg.base + r * cols
                                let o = so.base + r * cols
                                var dot: Float = 0
                                for c in 0..<cols { dot += p[c] * d[c] }
                                for c in 0..<cols { o[c] = p[c] * (d[c] - dot) }
                            }
                        }
                    }
                }
            }
            graph.accumulate(dx, into: self)
        }
    }

    /// LayerNorm over the last dimension with biased variance:
    /// `(x − mean) / √(var + eps) · weight + bias` (`nn.LayerNorm`, SAM's `LayerNorm2d` on NHWC).
    ///
    /// - Parameters:
    ///   - weight: the scale, `[D]` for `self` of shape `[…, D]`.
    ///   - bias: the shift, `[D]`.
    ///   - eps: added to the variance.
    public func layerNorm(weight: Variable, bias: Variable, eps: Float = 1e-5) -> Variable {
        let shape = self.shape
        let dim = shape.last ?? 1
        let rows = count / Swift.max(dim, 1)
        precondition(
            weight.shape == [dim] && bias.shape == [dim],
            "layerNorm: weight \(weight.shape), bias \(bias.shape) for \(shape)")
        let x = value
        let w = weight.value
        let b = bias.value
        var normalized = [Float](repeating: 0, count: x.count)
        var inverseStd = [Float](repeating: 0, count: rows)
        let chunk = Swift.max(1, 8192 / Swift.max(dim, 1))
        let y = Tensor(shape: shape) { out in
            x.storage.withUnsafeBufferPointer { xb in
                w.storage.withUnsafeBufferPointer { wb in
                    b.storage.withUnsafeBufferPointer { bb in
                        normalized.withUnsafeMutableBufferPointer { nb in
                            inverseStd.withUnsafeMutableBufferPointer { ib in
                                let sx = SharedPointer(xb.baseAddress!)
                                let sw = SharedPointer(wb.baseAddress!)
                                let sb = SharedPointer(bb.baseAddress!)
                                let sn = SharedMutablePointer(nb.baseAddress!)
                                let si = SharedMutablePointer(ib.baseAddress!)
                                let so = SharedMutablePointer(out.baseAddress!)
                                Parallel.forEachChunk(of: rows, minimumChunk: chunk) { range in
                                    for r in range {
                                        let xr = sx.base + r * dim
                                        let nr = sn.base + r * dim
                                        let yr = so.base + r * dim
                                        var sum: Float = 0
                                        for c in 0..<dim { sum += xr[c] }
                                        let mean = sum / Float(dim)
                                        var squares: Float = 0
                                        for c in 0..<dim {
                                            let d = xr[c] - mean
                                            squares += d * d
                                        }
                                        let inv = 1 / (squares / Float(dim) + eps).squareRoot()
                                        si.base[r] = inv
                                        for c in 0..<dim {
                                            let n = (xr[c] - mean) * inv
                                            nr[c] = n
                                            yr[c] = n * sw.base[c] + sb.base[c]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let xhat = normalized
        let invStd = inverseStd
        return graph.record(y, inputs: [self, weight, bias]) { graph, g in
            g.storage.withUnsafeBufferPointer { gb in
                xhat.withUnsafeBufferPointer { nb in
                    if graph.needsGradient(self) {
                        let dx = Tensor(shape: shape) { out in
                            w.storage.withUnsafeBufferPointer { wb in
                                let sg = SharedPointer(gb.baseAddress!)
                                let sn = SharedPointer(nb.baseAddress!)
                                let sw = SharedPointer(wb.baseAddress!)
                                let so = SharedMutablePointer(out.baseAddress!)
                                invStd.withUnsafeBufferPointer { ib in
                                    let si = SharedPointer(ib.baseAddress!)
                                    Parallel.forEachChunk(of: rows, minimumChunk: chunk) { range in
                                        for r in range {
                                            let gr = sg.base + r * dim
                                            let nr = sn.base + r * dim
                                            let o = so.base + r * dim
                                            var sumG: Float = 0
                                            var sumGN: Float = 0
                                            for c in 0..<dim {
                                                let gw = gr[c] * sw.base[c]
                                                sumG += gw
                                                sumGN += gw * nr[c]
                                            }
                                            let meanG = sumG / Float(dim)
                                            let meanGN = sumGN / Float(dim)
                                            let inv = si.base[r]
                                            for c in 0..<dim {
                                                o[c] = inv * (gr[c] * sw.base[c] - meanG - nr[c] * meanGN)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        graph.accumulate(dx, into: self)
                    }
                    if graph.needsGradient(weight) || graph.needsGradient(bias) {
                        var dw = [Float](repeating: 0, count: dim)
                        var db = [Float](repeating: 0, count: dim)
                        for r in 0..<rows {
                            let gr = gb.baseAddress! + r * dim
                            let nr = nb.baseAddress! + r * dim
                            for c in 0..<dim {
                                dw[c] += gr[c] * nr[c]
                                db[c] += gr[c]
                            }
                        }
                        graph.accumulate(Tensor(shape: [dim], storage: dw), into: weight)
                        graph.accumulate(Tensor(shape: [dim], storage: db), into: bias)
                    }
                }
            }
        }
    }
}

import SAMTensor

extension Variable {
    /// 2x2 average pooling, stride 2, of `[H, W, C]` or `[B, H, W, C]` (H, W even).
    public func averagePooled2x2() -> Variable {
        let shape = self.shape
        let (batch, height, width, channels) =
            shape.count == 4 ? (shape[0], shape[1], shape[2], shape[3]) : (1, shape[0], shape[1], shape[2])
        precondition(height % 2 == 0 && width % 2 == 0, "averagePooled2x2: odd size \(shape)")
        let (oh, ow) = (height / 2, width / 2)
        let outShape = (shape.count == 4 ? [batch] : []) + [oh, ow, channels]
        /// Calls `body(output offset, offsets of the window's four input pixels)` for every output pixel.
        func forEachWindow(_ body: (Int, Int, Int, Int, Int) -> Void) {
            for b in 0..<batch {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let i00 = ((b * height + 2 * oy) * width + 2 * ox) * channels
                        let i10 = i00 + width * channels
                        body(((b * oh + oy) * ow + ox) * channels, i00, i00 + channels, i10, i10 + channels)
                    }
                }
            }
        }
        let x = value
        let y = Tensor(shape: outShape) { out in
            x.storage.withUnsafeBufferPointer { src in
                forEachWindow { o, i00, i01, i10, i11 in
                    for c in 0..<channels {
                        out[o + c] = 0.25 * (src[i00 + c] + src[i01 + c] + src[i10 + c] + src[i11 + c])
                    }
                }
            }
        }
        return graph.record(y, inputs: [self]) { graph, g in
            let dx = Tensor(shape: shape) { out in
                g.storage.withUnsafeBufferPointer { gb in
                    forEachWindow { o, i00, i01, i10, i11 in
                        for c in 0..<channels {
                            let v = 0.25 * gb[o + c]
                            out[i00 + c] = v
                            out[i01 + c] = v
                            out[i10 + c] = v
                            out[i11 + c] = v
                        }
                    }
                }
            }
            graph.accumulate(dx, into: self)
        }
    }
}

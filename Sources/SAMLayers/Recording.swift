import SAMAutograd
import SAMTensor

/// The training forward context: a `ParameterSet` entered into one `Graph`. Layers look their
/// parameters up by their declared keys (`LinearLayer.weightKey`, …) and every operation is recorded
/// on the graph's tape; the layers' own tape-free values are not read.
///
/// Keep the graph alive while the returned variables are used (variables hold it unowned).
public struct Recording: ForwardContext {
    public let graph: Graph
    public let parameters: ParameterSet

    /// A context recording on `graph`, reading parameters from `parameters` by key.
    public init(graph: Graph, parameters: ParameterSet) {
        self.graph = graph
        self.parameters = parameters
    }

    /// The parameter `name` as a variable of the graph.
    public func callAsFunction(_ name: String) -> Variable { graph.parameter(parameters[name]) }

    // MARK: ForwardContext

    public func shape(of x: Variable) -> [Int] { x.shape }

    public func linear(_ x: Variable, _ layer: LinearLayer) -> Variable {
        x.linear(weight: self(layer.weightKey), bias: layer.biasKey.map { self($0) })
    }

    public func normalize(_ x: inout Variable, _ layer: LayerNormLayer) {
        x = x.layerNorm(weight: self(layer.weightKey), bias: self(layer.biasKey), eps: layer.eps)
    }

    public func applyReLU(_ x: inout Variable) { x = x.relu() }

    public func applyGELU(_ x: inout Variable) { x = x.gelu() }

    public func add(_ x: inout Variable, _ y: Variable) {
        precondition(
            x.shape == y.shape || (y.shape.first == 1 && x.shape.dropFirst() == y.shape.dropFirst()),
            "add: \(x.shape) += \(y.shape)")
        x = x + y
    }

    public func sum(_ x: Variable, _ y: Variable) -> Variable { x + y }

    /// Projections, heads as contiguous channel chunks, scaled softmax, `out_proj`; a batch-1 side is
    /// repeated to the other side's batch after its projection.
    public func attention(query: Variable, key: Variable, value: Variable, _ layer: AttentionLayer) -> Variable {
        var qp = linear(query, layer.qProj)
        var kp = linear(key, layer.kProj)
        var vp = linear(value, layer.vProj)
        let batch = max(qp.shape[0], kp.shape[0])
        func repeated(_ x: Variable) -> Variable {
            x.shape[0] == batch ? x : Variable.concatenate(Array(repeating: x, count: batch), alongAxis: 0)
        }
        precondition(
            qp.shape[0] == kp.shape[0] || qp.shape[0] == 1 || kp.shape[0] == 1,
            "attention \(layer.key): batch \(qp.shape[0]) vs \(kp.shape[0])")
        (qp, kp, vp) = (repeated(qp), repeated(kp), repeated(vp))
        let nq = qp.shape[1]
        let nk = kp.shape[1]
        let width = qp.shape[2]
        let heads = layer.heads
        let headWidth = width / heads
        func split(_ x: Variable, _ n: Int) -> Variable {
            x.reshaped([batch, n, heads, headWidth]).permuted([0, 2, 1, 3]).reshaped([batch * heads, n, headWidth])
        }
        let scale = 1 / Float(headWidth).squareRoot()
        let scores = Variable.matmul(split(qp * scale, nq), split(kp, nk), transposeB: true).softmax()
        let mixed = Variable.matmul(scores, split(vp, nk))
        let merged = mixed.reshaped([batch, heads, nq, headWidth]).permuted([0, 2, 1, 3]).reshaped([batch, nq, width])
        return linear(merged, layer.outProj)
    }

    public func transposedConvolution(_ x: Variable, _ layer: TransposedConvolutionLayer) -> Variable {
        x.transposedConv2x2(weight: self(layer.weightKey), bias: self(layer.biasKey))
    }

    public func rows(of table: EmbeddingTable) -> Variable { self(table.weightKey) }

    public func concatenate(_ parts: [Variable], alongAxis axis: Int) -> Variable {
        parts.count == 1 ? parts[0] : Variable.concatenate(parts, alongAxis: axis)
    }

    public func slice(_ x: Variable, alongAxis axis: Int, _ range: Range<Int>) -> Variable {
        x.slice(alongAxis: axis, range)
    }

    public func reshape(_ x: Variable, _ shape: [Int]) -> Variable { x.reshaped(shape) }

    public func multiplyTransposed(_ a: Variable, _ b: Variable) -> Variable { Variable.matmul(a, b, transposeB: true) }

    public func batchwise(_ inputs: [Variable], _ body: ([Variable]) -> Variable) -> Variable { body(inputs) }
}

// MARK: prompt encoder and P²SAM

extension Recording {
    public func constant(_ x: Tensor) -> Variable { graph.constant(x) }

    public func value(of parameter: ParameterTensor) -> Variable { self(parameter.key) }

    public func convolution3x3(_ x: Variable, _ layer: Convolution3x3Layer) -> Variable {
        x.conv2d(
            weight: self(layer.weightKey).permuted([0, 2, 3, 1]), bias: layer.biasKey.map { self($0) }, padding: 1)
    }

    public func averagePool2x2(_ x: Variable) -> Variable { x.averagePooled2x2() }

    public func spatialMean(_ x: Variable) -> Variable { x.globalMeanPool() }

    public func clamp(_ x: inout Variable, to range: ClosedRange<Float>) {
        x = x.clamped(range.lowerBound, range.upperBound)
    }

    public func softClamp(_ x: inout Variable, to range: ClosedRange<Float>) {
        x = x.softClamped(range.lowerBound, range.upperBound)
    }

    public func applyExponential(_ x: inout Variable) { x = x.exp() }

    public func weightedSum(_ x: Variable, weights: Variable) -> Variable {
        Variable.matmul(weights.reshaped([1, weights.shape[0]]), x)
    }
}

// MARK: AutoMedSAM's class prompt encoder

extension Recording {
    public func applySigmoid(_ x: inout Variable) { x = x.sigmoid() }

    public func product(_ x: Variable, _ y: Variable) -> Variable {
        precondition(
            x.shape == y.shape || (y.shape.count <= x.shape.count && Array(x.shape.suffix(y.shape.count)) == y.shape),
            "product: \(x.shape) ⊙ \(y.shape)")
        return x * y
    }
}

// MARK: image encoder

extension Recording {
    public func normalized(_ x: Variable, _ layer: LayerNormLayer) -> Variable {
        x.layerNorm(weight: self(layer.weightKey), bias: self(layer.biasKey), eps: layer.eps)
    }

    /// The frozen weight plus `scale · B A` on the targets' rows (zero blocks elsewhere), on the tape.
    public func linear(_ x: Variable, _ layer: LoRALinearLayer) -> Variable {
        x.linear(weight: weight(of: layer), bias: layer.linear.biasKey.map { self($0) })
    }

    /// `W + scale · ΔW` of `layer` as a variable `[out, in]` (`W` alone without factors).
    func weight(of layer: LoRALinearLayer) -> Variable {
        let weight = self(layer.linear.weightKey)
        guard layer.rank != nil else { return weight }
        let layout = layer.layout
        let (groups, columns) = (layout.groups, layout.inFeatures)
        var blocks: [Variable] = []
        var row = 0
        for target in layout.targets {
            if target.offset > row {
                blocks.append(graph.constant(Tensor(shape: [groups, target.offset - row, columns])))
            }
            let keys = layout.factorKeys(of: target)
            var product = Variable.matmul(self(keys.b), self(keys.a))  // [groups · width, in]
            if LoRALinearLayer.scale != 1 { product = product * LoRALinearLayer.scale }
            blocks.append(product.reshaped([groups, target.width, columns]))
            row = target.offset + target.width
        }
        if layout.groupWidth > row {
            blocks.append(graph.constant(Tensor(shape: [groups, layout.groupWidth - row, columns])))
        }
        let delta = Variable.concatenate(blocks, alongAxis: 1).reshaped([layout.outFeatures, columns])
        return weight + delta
    }

    public func pointwiseConvolution(_ x: Variable, _ layer: PointwiseConvolutionLayer) -> Variable {
        x.linear(weight: self(layer.weightKey).reshaped([layer.outChannels, layer.inChannels]))
    }

    /// Folds the BatchNorm on the tape from the declared tensors (the running statistics enter as
    /// buffers: `1/√(var + eps)` is a constant), then one linear layer.
    public func pointwiseConvolution(_ x: Variable, _ layer: PointwiseConvolutionBatchNormLayer) -> Variable {
        let (scale, shift) = batchNorm(layer.keys)
        let weight = self(layer.keys.convolutionWeightKey).reshaped([layer.outChannels, layer.inChannels])
        return x.linear(weight: weight * scale.reshaped([layer.outChannels, 1]), bias: shift)
    }

    public func depthwiseConvolution(_ x: Variable, _ layer: DepthwiseConvolutionBatchNormLayer) -> Variable {
        let (scale, shift) = batchNorm(layer.keys)
        let channels = layer.channels
        let weight = (self(layer.keys.convolutionWeightKey).reshaped([channels, 9]) * scale.reshaped([channels, 1]))
            .permuted([1, 0]).reshaped([3, 3, channels])
        return x.depthwiseConv3x3(weight: weight, bias: shift, stride: layer.stride)
    }

    /// A `Conv2d_BN`'s BatchNorm as `y = scale · conv(x) + shift`: `scale = γ / √(var + eps)`,
    /// `shift = β − mean · scale`, each `[out]`.
    func batchNorm(_ keys: ConvolutionBatchNormKeys) -> (scale: Variable, shift: Variable) {
        let inverse = ConvolutionBatchNormKeys.inverseStandardDeviations(
            runningVariance: parameters[keys.runningVarianceKey].value.storage)
        let scale = self(keys.scaleKey) * graph.constant(Tensor(shape: [keys.outChannels], storage: inverse))
        return (scale, self(keys.shiftKey) - self(keys.runningMeanKey) * scale)
    }

    /// Pads with the row `qkv(β)` (computed on the tape), partitions into windows, attends per head with
    /// the biases gathered from `attention_biases`, and merges the windows back, cropping the padding.
    public func windowAttention(_ projected: Variable, _ layer: WindowAttentionLayer) -> Variable {
        let (height, width) = (projected.shape[0], projected.shape[1])
        let (dim, heads, keyDim, ws) = (layer.dim, layer.heads, layer.keyDim, layer.windowSize)
        let rowWidth = 3 * dim
        precondition(
            projected.shape == [height, width, rowWidth],
            "window attention \(layer.key): q/k/v rows \(projected.shape), want [H, W, \(rowWidth)]")
        let (down, across) = ((height + ws - 1) / ws, (width + ws - 1) / ws)
        let (paddedH, paddedW) = (down * ws, across * ws)
        let (windows, n) = (down * across, ws * ws)
        var padded = projected
        if paddedH > height || paddedW > width {
            let paddingRow = linear(self(layer.norm.biasKey).reshaped([1, dim]), layer.qkv)  // [1, 3·dim]
            func padding(_ rows: Int, _ columns: Int) -> Variable {
                graph.constant(Tensor(shape: [rows, columns, rowWidth])) + paddingRow
            }
            if paddedW > width {
                padded = Variable.concatenate([padded, padding(height, paddedW - width)], alongAxis: 1)
            }
            if paddedH > height {
                padded = Variable.concatenate([padded, padding(paddedH - height, paddedW)], alongAxis: 0)
            }
        }
        let tokens = padded.reshaped([down, ws, across, ws, rowWidth]).permuted([0, 2, 1, 3, 4])
        let perHead = tokens.reshaped([windows, n, heads, 3 * keyDim]).permuted([0, 2, 1, 3])
            .reshaped([windows * heads, n, 3 * keyDim])
        let q = perHead.slice(alongAxis: 2, 0..<keyDim)
        let k = perHead.slice(alongAxis: 2, keyDim..<(2 * keyDim))
        let values = perHead.slice(alongAxis: 2, (2 * keyDim)..<(3 * keyDim))
        let scores = Variable.matmul(q, k, transposeB: true) * (1 / Float(keyDim).squareRoot())
        let bias = self(layer.biasesKey).gather(WindowAttentionLayer.relativeOffsets(windowSize: ws), alongAxis: 1)
            .reshaped([heads, n, n])
        let weights = (scores.reshaped([windows, heads, n, n]) + bias).softmax().reshaped([windows * heads, n, n])
        let mixed = Variable.matmul(weights, values)  // [windows · heads, n, keyDim]
            .reshaped([windows, heads, n, keyDim]).permuted([0, 2, 1, 3])
        var merged = mixed.reshaped([down, across, ws, ws, dim]).permuted([0, 2, 1, 3, 4])
            .reshaped([paddedH, paddedW, dim])
        if paddedH > height { merged = merged.slice(alongAxis: 0, 0..<height) }
        if paddedW > width { merged = merged.slice(alongAxis: 1, 0..<width) }
        return merged
    }
}

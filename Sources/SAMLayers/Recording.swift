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
        x.conv2d(weight: self(layer.weightKey).permuted([0, 2, 3, 1]), bias: self(layer.biasKey), padding: 1)
    }

    public func averagePool2x2(_ x: Variable) -> Variable { x.averagePooled2x2() }

    public func spatialMean(_ x: Variable) -> Variable { x.globalMeanPool() }

    public func clamp(_ x: inout Variable, to range: ClosedRange<Float>) {
        x = x.clamped(range.lowerBound, range.upperBound)
    }

    public func applyExponential(_ x: inout Variable) { x = x.exp() }

    public func weightedSum(_ x: Variable, weights: Variable) -> Variable {
        Variable.matmul(weights.reshaped([1, weights.shape[0]]), x)
    }
}

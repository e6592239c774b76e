import LiteMedSAM
import SAMAutograd
import SAMTensor

/// The training forward context: a `ParameterSet` entered into one `Graph`. Layers look their
/// parameters up by their declared keys (`LinearLayer.weightKey`, …) and every operation is recorded
/// on the graph's tape; the layers' own tape-free values are not read.
///
/// Keep the graph alive while the returned variables are used (variables hold it unowned).
struct Recording: ForwardContext {
    let graph: Graph
    let parameters: ParameterSet

    /// The parameter `name` as a variable of the graph.
    func callAsFunction(_ name: String) -> Variable { graph.parameter(parameters[name]) }

    /// `x Wᵀ + b` with the parameters `prefix.weight`, `prefix.bias` (P²SAM's own layers: PGN head, Fcomb).
    func linear(_ x: Variable, _ prefix: String) -> Variable {
        x.linear(weight: self("\(prefix).weight"), bias: self("\(prefix).bias"))
    }

    // MARK: ForwardContext

    func shape(of x: Variable) -> [Int] { x.shape }

    func linear(_ x: Variable, _ layer: LinearLayer) -> Variable {
        x.linear(weight: self(layer.weightKey), bias: layer.biasKey.map { self($0) })
    }

    func normalize(_ x: inout Variable, _ layer: LayerNormLayer) {
        x = x.layerNorm(weight: self(layer.weightKey), bias: self(layer.biasKey), eps: layer.eps)
    }

    func applyReLU(_ x: inout Variable) { x = x.relu() }

    func applyGELU(_ x: inout Variable) { x = x.gelu() }

    func add(_ x: inout Variable, _ y: Variable) {
        precondition(x.shape == y.shape, "add: \(x.shape) vs \(y.shape)")
        x = x + y
    }

    func sum(_ x: Variable, _ y: Variable) -> Variable { x + y }

    /// Projections, heads as contiguous channel chunks, scaled softmax, `out_proj`; a batch-1 side is
    /// repeated to the other side's batch after its projection.
    func attention(query: Variable, key: Variable, value: Variable, _ layer: DecoderAttention) -> Variable {
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

    func transposedConvolution(_ x: Variable, _ layer: TransposedConvolutionLayer) -> Variable {
        x.transposedConv2x2(weight: self(layer.weightKey), bias: self(layer.biasKey))
    }

    func rows(of table: EmbeddingTable) -> Variable { self(table.weightKey) }

    func concatenate(_ parts: [Variable], alongAxis axis: Int) -> Variable {
        parts.count == 1 ? parts[0] : Variable.concatenate(parts, alongAxis: axis)
    }

    func slice(_ x: Variable, alongAxis axis: Int, _ range: Range<Int>) -> Variable { x.slice(alongAxis: axis, range) }

    func reshape(_ x: Variable, _ shape: [Int]) -> Variable { x.reshaped(shape) }

    func multiplyTransposed(_ a: Variable, _ b: Variable) -> Variable { Variable.matmul(a, b, transposeB: true) }
}

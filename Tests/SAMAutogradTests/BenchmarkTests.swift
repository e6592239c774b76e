import Dispatch
import GradientChecking
import Optimisers
import SAMAutograd
import SAMTensor
import XCTest

/// Prints the cost of forward + backward through two SAM-style two-way attention layers with image
/// keys `[2, 4096, 256]` (the stage-1 decoder shape). Not a timed assertion; debug builds use 1024
/// keys to keep the suite fast.
final class BenchmarkTests: XCTestCase {
    final class Layer {
        var parameters: [Parameter] = []
        init(_ prefix: String, generator: inout SeededGenerator) {
            func add(_ name: String, _ shape: [Int], scale: Float) {
                parameters.append(
                    Parameter("\(prefix).\(name)", value: Tensor.random(shape, in: -scale...scale, using: &generator)))
            }
            for (block, internalDim) in [
                ("self_attn", 256), ("cross_attn_token_to_image", 128), ("cross_attn_image_to_token", 128),
            ] {
                for projection in ["q_proj", "k_proj", "v_proj"] {
                    add("\(block).\(projection).weight", [internalDim, 256], scale: 0.06)
                    add("\(block).\(projection).bias", [internalDim], scale: 0.01)
                }
                add("\(block).out_proj.weight", [256, internalDim], scale: 0.06)
                add("\(block).out_proj.bias", [256], scale: 0.01)
            }
            add("mlp.lin1.weight", [2048, 256], scale: 0.06)
            add("mlp.lin1.bias", [2048], scale: 0.01)
            add("mlp.lin2.weight", [256, 2048], scale: 0.02)
            add("mlp.lin2.bias", [256], scale: 0.01)
            for norm in 1...4 {
                parameters.append(Parameter("\(prefix).norm\(norm).weight", value: Tensor(shape: [256], repeating: 1)))
                parameters.append(Parameter("\(prefix).norm\(norm).bias", value: Tensor(shape: [256])))
            }
        }
        func p(_ graph: Graph, _ name: String) -> Variable {
            graph.parameter(parameters.first { $0.name.hasSuffix(name) }!)
        }
    }

    func attention(
        _ graph: Graph, _ layer: Layer, _ block: String, q: Variable, k: Variable, v: Variable, heads: Int = 8
    ) -> Variable {
        let (b, nq, nk) = (q.shape[0], q.shape[1], k.shape[1])
        let qp = q.linear(
            weight: layer.p(graph, "\(block).q_proj.weight"), bias: layer.p(graph, "\(block).q_proj.bias"))
        let kp = k.linear(
            weight: layer.p(graph, "\(block).k_proj.weight"), bias: layer.p(graph, "\(block).k_proj.bias"))
        let vp = v.linear(
            weight: layer.p(graph, "\(block).v_proj.weight"), bias: layer.p(graph, "\(block).v_proj.bias"))
        let width = qp.shape[2]
        let d = width / heads
        func split(_ x: Variable, _ n: Int) -> Variable {
            x.reshaped([b, n, heads, d]).permuted([0, 2, 1, 3]).reshaped([b * heads, n, d])
        }
        let scores = Variable.matmul(split(qp, nq), split(kp, nk), transposeB: true) * (1 / Float(d).squareRoot())
        let mixed = Variable.matmul(scores.softmax(), split(vp, nk))
        let merged = mixed.reshaped([b, heads, nq, d]).permuted([0, 2, 1, 3]).reshaped([b, nq, width])
        return merged.linear(
            weight: layer.p(graph, "\(block).out_proj.weight"), bias: layer.p(graph, "\(block).out_proj.bias"))
    }

    func testTwoWayBlockForwardBackwardCost() {
        #if DEBUG
            let keyCount = 1024
        #else
            let keyCount = 4096
        #endif
        var generator = SeededGenerator(seed: 5)
        let layers = [Layer("layers.0", generator: &generator), Layer("layers.1", generator: &generator)]
        let image = Tensor.random([2, keyCount, 256], using: &generator)
        let positions = Tensor.random([1, keyCount, 256], using: &generator)
        let tokenInit = Parameter("tokens", value: Tensor.random([1, 7, 256], using: &generator))
        let targets = Tensor(shape: [2, 1, keyCount], storage: (0..<(2 * keyCount)).map { $0 % 3 == 0 ? 1 : 0 })
        let parameters = layers.flatMap(\.parameters) + [tokenInit]

        func step() -> (forward: Double, backward: Double, loss: Float) {
            let start = DispatchTime.now().uptimeNanoseconds
            let graph = Graph()
            let pe = graph.constant(positions)
            var keys = graph.constant(image)
            var queries = graph.parameter(tokenInit) + graph.constant(Tensor(shape: [2, 7, 256]))
            for layer in layers {
                func norm(_ x: Variable, _ i: Int) -> Variable {
                    x.layerNorm(weight: layer.p(graph, "norm\(i).weight"), bias: layer.p(graph, "norm\(i).bias"))
                }
                queries = norm(queries + attention(graph, layer, "self_attn", q: queries, k: queries, v: queries), 1)
                let keysWithPE = keys + pe
                queries = norm(
                    queries + attention(graph, layer, "cross_attn_token_to_image", q: queries, k: keysWithPE, v: keys),
                    2)
                let hidden = queries.linear(weight: layer.p(graph, "lin1.weight"), bias: layer.p(graph, "lin1.bias"))
                    .relu()
                queries = norm(
                    queries + hidden.linear(weight: layer.p(graph, "lin2.weight"), bias: layer.p(graph, "lin2.bias")), 3
                )
                keys = norm(
                    keys + attention(graph, layer, "cross_attn_image_to_token", q: keys + pe, k: queries, v: queries), 4
                )
            }
            let logits = Variable.matmul(queries.slice(alongAxis: 1, 1..<2), keys, transposeB: true)  // [2, 1, N]
            let loss =
                Loss.binaryCrossEntropy(logits: logits, targets: targets) + Loss.dice(logits: logits, targets: targets)
            let middle = DispatchTime.now().uptimeNanoseconds
            parameters.zeroGradients()
            graph.backward(from: loss)
            let end = DispatchTime.now().uptimeNanoseconds
            return (Double(middle - start) / 1e6, Double(end - middle) / 1e6, loss.scalar)
        }
        _ = step()  // warm-up
        var forward = 0.0
        var backward = 0.0
        let repeats = 3
        for _ in 0..<repeats {
            let t = step()
            forward += t.forward / Double(repeats)
            backward += t.backward / Double(repeats)
            XCTAssertTrue(t.loss.isFinite)
        }
        XCTAssertNoThrow(try NumericGuard.checkGradients(of: parameters))
        XCTAssertNotNil(layers[0].parameters[0].gradient)
        print(
            String(
                format:
                    "[benchmark] two-way block x2, keys [2, %d, 256], %d workers: forward %.1f ms, backward %.1f ms, total %.1f ms per step",
                keyCount, Parallel.workerCount, forward, backward, forward + backward))
    }
}

// Element-wise ops and layout helpers: activations, addition, channel concatenation, mean over
// the last axis, channels-last permutation.

import Foundation

extension Ops {
    /// LeakyReLU: y = x for x ≥ 0, negativeSlope·x otherwise. `out` may be `x`.
    public static func leakyReLU(_ out: Tensor, _ x: Tensor, negativeSlope: Float = 0.01) throws(NeuralError) {
        // x (any) -> out (same shape)
        try out.requireShape(x.shape, of: "leaky_relu output")
        Parallel.forChunks(x.count, minimumPerChunk: 16384) { range in
            for index in range {
                let value = x.data[index]
                out.data[index] = value >= 0 ? value : value * negativeSlope
            }
        }
    }

    /// ReLU: y = max(x, 0). `out` may be `x`.
    public static func relu(_ out: Tensor, _ x: Tensor) throws(NeuralError) {
        // x (any) -> out (same shape)
        try out.requireShape(x.shape, of: "relu output")
        for index in 0..<x.count { out.data[index] = Swift.max(x.data[index], 0) }
    }

    /// Hyperbolic tangent. `out` may be `x`.
    public static func tanh(_ out: Tensor, _ x: Tensor) throws(NeuralError) {
        // x (any) -> out (same shape)
        try out.requireShape(x.shape, of: "tanh output")
        Parallel.forChunks(x.count, minimumPerChunk: 4096) { range in
            for index in range { out.data[index] = Foundation.tanh(x.data[index]) }
        }
    }

    /// Element-wise sum. `out` may be `a` or `b`.
    public static func add(_ out: Tensor, _ a: Tensor, _ b: Tensor) throws(NeuralError) {
        // a (any), b (same shape) -> out (same shape)
        try b.requireShape(a.shape, of: "add's second operand")
        try out.requireShape(a.shape, of: "add output")
        Parallel.forChunks(a.count, minimumPerChunk: 16384) { range in
            for index in range { out.data[index] = a.data[index] + b.data[index] }
        }
    }

    /// Concatenation of two tensors along dim 1 (channels), `first` then `second`.
    public static func concatChannels(_ out: Tensor, _ first: Tensor, _ second: Tensor) throws(NeuralError) {
        // first (N,C1,...), second (N,C2,...) -> out (N,C1+C2,...)
        guard first.rank >= 2, second.rank == first.rank, first.shape[0] == second.shape[0],
            Array(first.shape[2...]) == Array(second.shape[2...])
        else {
            throw NeuralError(
                .invalidArgument,
                "concat along dim 1 needs equal N and trailing dims; got \(Tensor.describe(first.shape)) and \(Tensor.describe(second.shape))"
            )
        }
        var expected = first.shape
        expected[1] += second.shape[1]
        try out.requireShape(expected, of: "concat output")
        let n = first.shape[0]
        let firstBlock = first.count / Swift.max(n, 1)
        let secondBlock = second.count / Swift.max(n, 1)
        for sample in 0..<n {
            let destination = out.data + sample * (firstBlock + secondBlock)
            destination.update(from: first.data + sample * firstBlock, count: firstBlock)
            (destination + firstBlock).update(from: second.data + sample * secondBlock, count: secondBlock)
        }
    }

    /// Mean over the last axis, keeping it as length 1 (PyTorch `AdaptiveAvgPool1d(1)`).
    public static func meanLastAxis(_ out: Tensor, _ x: Tensor) throws(NeuralError) {
        // x (N,C,L) -> out (N,C,1)
        try x.requireRank(3, of: "mean input", layout: "(N,C,L)")
        try out.requireShape([x.shape[0], x.shape[1], 1], of: "mean output")
        let length = x.shape[2]
        for row in 0..<(x.shape[0] * x.shape[1]) {
            var total: Float = 0
            for t in 0..<length { total += x.data[row * length + t] }
            out.data[row] = total / Float(length)
        }
    }

    /// Moves the channel axis last: (N,C,H,W) → (N,H,W,C) (PyTorch `permute(0,2,3,1)`).
    public static func channelsLast(_ out: Tensor, _ x: Tensor) throws(NeuralError) {
        // x (N,C,H,W) -> out (N,H,W,C)
        try x.requireRank(4, of: "channels_last input", layout: "(N,C,H,W)")
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        try out.requireShape([n, h, w, c], of: "channels_last output")
        for sample in 0..<n {
            for channel in 0..<c {
                let source = x.data + (sample * c + channel) * h * w
                let destination = out.data + sample * h * w * c + channel
                for pixel in 0..<(h * w) { destination[pixel * c] = source[pixel] }
            }
        }
    }
}

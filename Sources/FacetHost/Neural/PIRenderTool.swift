import FacetBenchmarkSupport
import FacetMedia
import FacetNeural
import FacetPIRender
import FacetRender
import Foundation

/// One PIRender generator pass on files, and the generator's benchmark: what `facet pirender`
/// runs. Plain values in, reports out; the CLI only parses and prints.
public enum PIRenderTool {
    /// What one generator pass reads and writes.
    public struct RenderRequest: Sendable {
        /// The generator's weights (safetensors or the official .pth).
        public var weights: URL
        /// Hyper-parameters overriding the weights' own config, if any.
        public var config: URL?
        /// The inputs: a picture and a coefficient file, or one safetensors file with both tensors.
        public var inputs: Inputs
        /// The generated picture (PNG), if wanted.
        public var output: URL?
        /// Every stage as safetensors, if wanted.
        public var dump: URL?
        /// Replace output files that exist.
        public var overwrite: Bool

        /// Where the source picture and the driving window come from.
        public enum Inputs: Sendable {
            /// A square picture and driving coefficients (safetensors `driving_coeffs`, or text
            /// with 73 numbers a frame; the window is centred on `frame`).
            case picture(URL, coefficients: URL, frame: Int)
            /// One safetensors file holding `input_image` and `driving_coeffs`.
            case tensors(URL)
        }

        /// Creates a request.
        public init(weights: URL, config: URL? = nil, inputs: Inputs, output: URL?, dump: URL? = nil, overwrite: Bool = false) {
            self.weights = weights
            self.config = config
            self.inputs = inputs
            self.output = output
            self.dump = dump
            self.overwrite = overwrite
        }
    }

    /// What a generator pass did.
    public struct RenderReport: Sendable {
        /// The generated picture's size.
        public var width: Int, height: Int
        /// The pass's time in milliseconds.
        public var milliseconds: Double
        /// Things the user should know (e.g. a config that overrides the weights' own).
        public var warnings: [String]
    }

    /// Sets how many threads the engine splits its work over (1 … 256).
    public static func setComputeThreads(_ count: Int) { ComputeThreads.set(count) }

    /// Runs the generator once on the request's inputs and writes what it asks for.
    public static func render(_ request: RenderRequest) throws(HostError) -> RenderReport {
        for url in [request.output, request.dump].compactMap({ $0 })
        where !request.overwrite && FileManager.default.fileExists(atPath: url.path) {
            throw HostError(.invalidArguments, "the output exists; pass --overwrite to replace it", path: url.path)
        }
        return try neural {
            var warnings: [String] = []
            let generator = try loadGenerator(request.weights, config: request.config, warnings: &warnings)
            let (image, window) = try loadInputs(request.inputs, config: generator.config)
            let stages = try generator.forward(inputImage: image, drivingCoefficients: window)
            if let output = request.output {
                try ImageIO.writePNG(TensorImages.image(from: stages.fakeImage), to: output)
            }
            if let dump = request.dump {
                var file = TensorFile(metadata: ["format": "facet-pirender-stages-v1", "config": generator.config.json])
                for (name, tensor) in stages.named { file.tensors[name] = tensor.stored }
                try Safetensors.write(file, to: dump)
            }
            return RenderReport(
                width: image.shape[3], height: image.shape[2],
                milliseconds: stages.timings.total.milliseconds, warnings: warnings)
        }
    }

    /// The generator for a weights file (the file's tensors are released once bound); `config`
    /// overrides the one stored in the weights, with a warning.
    private static func loadGenerator(_ weights: URL, config: URL?, warnings: inout [String]) throws -> PIRenderGenerator {
        let stateDict = try WeightFiles.load(weights)
        var explicit: PIRenderConfig?
        if let config {
            if stateDict.metadata["config"] != nil { warnings.append("--config overrides the config stored in the weights file") }
            explicit = try PIRenderConfigFile.load(config)
        }
        return try PIRenderGenerator(weights: stateDict, config: explicit, source: weights.path)
    }

    private static func loadInputs(_ inputs: RenderRequest.Inputs, config: PIRenderConfig) throws -> (image: Tensor, window: Tensor) {
        switch inputs {
        case .tensors(let url):
            let file = try Safetensors.read(url)
            guard let image = file.tensors["input_image"], let window = file.tensors["driving_coeffs"] else {
                throw NeuralError(
                    .malformed,
                    "expected tensors input_image (1,3,R,R) and driving_coeffs (1,73,27); found \(file.tensors.keys.sorted().joined(separator: ", "))",
                    path: url.path)
            }
            return (Tensor(image), Tensor(window))
        case .picture(let pictureURL, let coefficients, let frame):
            let picture = try ImageIO.readImage(pictureURL)
            let image = try TensorImages.tensor(from: picture, multiple: config.resolutionMultiple, path: pictureURL.path)
            let window = try CoefficientFiles.window(coefficients, frame: frame, radius: config.semanticRadius)
            return (image, window)
        }
    }

    // MARK: - Benchmark

    /// What the generator benchmark times.
    public struct BenchmarkRequest: Sendable {
        /// Real weights; nil times random weights (seeded, the same on every run).
        public var weights: URL?
        /// Hyper-parameters (for random weights: the architecture), else the defaults.
        public var config: URL?
        /// The image side; nil: the config's resolution.
        public var resolution: Int?
        /// Timed runs after 3 warm-up runs.
        public var runs: Int

        /// Creates a request.
        public init(weights: URL? = nil, config: URL? = nil, resolution: Int? = nil, runs: Int = 10) {
            self.weights = weights
            self.config = config
            self.resolution = resolution
            self.runs = runs
        }
    }

    /// The benchmark's figures: medians of the timed runs, the share inside sgemm and memory.
    public struct BenchmarkReport: Sendable {
        /// Image side, threads, kernel, weights' origin.
        public var size: Int, threads: Int, kernelName: String, origin: String, runs: Int
        /// Median milliseconds of each network and the total, with the total's extremes.
        public var mapping: Double, warping: Double, editing: Double, total: Double, fastest: Double, slowest: Double
        /// One profiled run: milliseconds in sgemm, the run's milliseconds, and multiply-accumulates.
        public var sgemmMilliseconds: Double, profiledMilliseconds: Double, multiplyAccumulates: Int
        /// The memory plan and live parameters in floats.
        public var planFloats: Int, parameterFloats: Int
        /// Process memory: before the first pass and at its peak (nil where /proc is not readable).
        public var residentBefore: Int?, peakResident: Int?
    }

    /// Times the generator: 3 warm-up runs, then `runs` timed ones, then one profiled run.
    public static func benchmark(_ request: BenchmarkRequest) throws(HostError) -> BenchmarkReport {
        try neural {
            let generator: PIRenderGenerator
            var origin = "random weights"
            if let weights = request.weights {
                var ignored: [String] = []
                generator = try loadGenerator(weights, config: request.config, warnings: &ignored)
                origin = weights.lastPathComponent
            } else {
                generator = try PIRenderGenerator(config: try request.config.map { try PIRenderConfigFile.load($0) } ?? .default)
                RandomWeights.fill(generator.registry, seed: 1)
                generator.registry.parametersDidChange()
            }
            let size = request.resolution ?? generator.config.resolution
            let (image, window) = benchmarkInputs(generator.config, size: size)
            try generator.prepare(resolution: size)
            let residentBefore = MemoryUsage.residentBytes
            MemoryUsage.resetPeak()
            for _ in 0..<3 { _ = try generator.forward(inputImage: image, drivingCoefficients: window) }
            var samples: [PIRenderStageTimings] = []
            for _ in 0..<request.runs { samples.append(try generator.forward(inputImage: image, drivingCoefficients: window).timings) }
            let peak = MemoryUsage.peakResidentBytes
            GEMMProfile.start()
            let profiled = try generator.forward(inputImage: image, drivingCoefficients: window).timings.total.milliseconds
            let gemm = GEMMProfile.stop()
            func median(_ stage: (PIRenderStageTimings) -> Duration) -> Double {
                SampleStatistics.median(samples.map { stage($0).milliseconds }) ?? 0
            }
            let totals = samples.map { $0.total.milliseconds }
            return BenchmarkReport(
                size: size, threads: ComputeThreads.current, kernelName: ComputeThreads.kernelName, origin: origin, runs: request.runs,
                mapping: median(\.mappingNet), warping: median(\.warpingNet), editing: median(\.editingNet), total: median(\.total),
                fastest: totals.min() ?? 0, slowest: totals.max() ?? 0,
                sgemmMilliseconds: gemm.seconds * 1000, profiledMilliseconds: profiled, multiplyAccumulates: Int(gemm.multiplyAccumulates),
                planFloats: generator.planFloatCount, parameterFloats: generator.registry.liveParameterCount,
                residentBefore: residentBefore, peakResident: peak)
        }
    }

    /// A seeded picture in [-1, 1] and driving window in [-0.5, 0.5] of the config's shapes.
    private static func benchmarkInputs(_ config: PIRenderConfig, size: Int) -> (Tensor, Tensor) {
        var random = SeededRandom(seed: 7)
        let image = Tensor(shape: [1, config.common.imageChannels, size, size])
        for index in 0..<image.count { image.data[index] = Float(random.uniform() * 2 - 1) }
        let window = Tensor(shape: [1, config.mapping.coeffChannels, config.windowLength])
        for index in 0..<window.count { window.data[index] = Float(random.uniform() - 0.5) }
        return (image, window)
    }

    /// Runs engine and media calls, wrapping their errors (kept as causes) in a `HostError`.
    private static func neural<T>(_ body: () throws -> T) throws(HostError) -> T {
        try HostError.catching(.renderer, nil, body)
    }
}

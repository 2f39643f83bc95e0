import ArgumentParser
import FacetHost
import FacetMedia
import FacetNeural
import FacetPIRender
import Foundation
import Yams

/// `facet pirender`: one PIRender generator pass (source image + driving window → image), or a
/// benchmark of the generator.
struct PIRender: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pirender",
        abstract: "Run the PIRender face generator on one frame, or benchmark it.",
        discussion: """
            Inputs are either --image (a square RGB picture whose side is a multiple of 32 for \
            the default config) with --coeffs, or --inputs, one safetensors file holding \
            input_image (1,3,R,R in [-1,1]) and driving_coeffs (1,73,27).

            --coeffs takes a safetensors file with driving_coeffs (1,73,27), or a text file with \
            73 numbers per line, one line per video frame: the 27-frame window is centred on \
            --frame (clamped at the ends, see Docs/NeuralEngine.md for the 73 channels).

            The generator's hyper-parameters come from --config (JSON, or PIRender's YAML such \
            as config/face.yaml; it overrides a config stored in the weights, with a warning), \
            else from the weights file's `config` metadata, else the defaults of \
            config/face.yaml. --dump writes every stage (descriptor, flow_field, \
            deformation, warp_image, fake_image) to a safetensors file.

            --benchmark times the generator (median of --runs after 3 warm-up runs) with \
            random weights unless --weights is given, and prints per-stage milliseconds and \
            the peak memory.

            Examples:
              facet pirender --weights face.safetensors --image me.png --coeffs motion.txt --frame 40 -o out.png
              facet pirender --weights small_seed1.weights.safetensors --inputs small_seed1.io.safetensors -o out.png --dump stages.safetensors
              facet pirender --benchmark --threads 2
            """
    )

    @Option(name: .long, help: "Generator weights: a safetensors state_dict (PIRender key names) or an official PyTorch checkpoint (.pt/.pth: net_G_ema is read, with no Python).", completion: .file())
    var weights: String?

    @Option(name: .long, help: "Generator hyper-parameters (JSON or YAML), e.g. for weights without a stored config.", completion: .file())
    var config: String?

    @Option(name: .long, help: "The source portrait (PNG/JPEG), square.", completion: .file())
    var image: String?

    @Option(name: .long, help: "Driving coefficients: safetensors with driving_coeffs, or text with 73 numbers per line.", completion: .file())
    var coeffs: String?

    @Option(name: .long, help: "With a per-frame --coeffs text file: the centre frame of the window (0-based).")
    var frame: Int = 0

    @Option(name: .long, help: "A safetensors file holding input_image and driving_coeffs (replaces --image and --coeffs).", completion: .file())
    var inputs: String?

    @Option(name: .shortAndLong, help: "The generated image (PNG).", completion: .file())
    var output: String?

    @Option(name: .long, help: "Also write every stage to this safetensors file.", completion: .file())
    var dump: String?

    @Flag(name: [.customShort("y"), .long], help: "Replace output files that exist.")
    var overwrite = false

    @Option(name: .long, help: "Compute threads (the engine splits matrix products and loops over them).")
    var threads: Int = 2

    @Flag(name: .long, help: "Time the generator instead of rendering.")
    var benchmark = false

    @Option(name: .long, help: "Benchmark: image size (default: the config's resolution).")
    var resolution: Int?

    @Option(name: .long, help: "Benchmark: timed runs after the warm-up.")
    var runs: Int = 10

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads \(threads) is out of range; expected 1 … 256") }
        guard (1...1000).contains(runs) else { throw ValidationError("--runs \(runs) is out of range; expected 1 … 1000") }
        if benchmark { return }
        guard weights != nil else { throw ValidationError("--weights is required (unless --benchmark)") }
        guard output != nil || dump != nil else { throw ValidationError("give -o/--output and/or --dump") }
        if inputs != nil {
            guard image == nil, coeffs == nil else { throw ValidationError("--inputs replaces --image and --coeffs; give one or the other") }
        } else {
            guard image != nil, coeffs != nil else { throw ValidationError("give --image and --coeffs, or --inputs") }
        }
        guard frame >= 0 else { throw ValidationError("--frame \(frame) must be >= 0") }
    }

    func run() throws {
        ComputeThreads.set(threads)
        do {
            if benchmark {
                try runBenchmark()
            } else {
                try render()
            }
        } catch let error as NeuralError {
            Terminal.error("facet: error: \(error)")
            throw ExitCode(ExitStatus.failure)
        } catch let error as MediaError {
            Terminal.error("facet: error: \(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }

    // MARK: - Rendering

    private func render() throws {
        for path in [output, dump].compactMap({ $0 }) where !overwrite && FileManager.default.fileExists(atPath: path) {
            throw NeuralError(.invalidArgument, "the output exists; pass --overwrite to replace it", path: path)
        }
        let generator = try loadGenerator(URL(fileURLWithPath: weights!))
        let (inputImage, window) = try loadInputs(config: generator.config)
        let stages = try generator.forward(inputImage: inputImage, drivingCoefficients: window)
        if let output {
            try ImageIO.writePNG(TensorImages.image(from: stages.fakeImage), to: URL(fileURLWithPath: output))
        }
        if let dump {
            var file = TensorFile(metadata: ["format": "facet-pirender-stages-v1", "config": generator.config.json])
            for (name, tensor) in stages.named { file.tensors[name] = tensor.stored }
            try Safetensors.write(file, to: URL(fileURLWithPath: dump))
        }
        let milliseconds = stages.timings.total.milliseconds
        Terminal.error(String(format: "facet: rendered %dx%d in %.0f ms%@%@", inputImage.shape[3], inputImage.shape[2], milliseconds,
                              output.map { ", wrote \($0)" } ?? "", dump.map { ", stages in \($0)" } ?? ""))
    }

    /// The generator for a weights file (the file's tensors are released once bound).
    private func loadGenerator(_ url: URL) throws -> PIRenderGenerator {
        let stateDict = try WeightFiles.load(url)
        return try PIRenderGenerator(weights: stateDict, config: try explicitConfig(for: stateDict), source: url.path)
    }

    /// The config given by --config, when the weights carry none (nil: use the file's).
    private func explicitConfig(for stateDict: TensorFile) throws -> PIRenderConfig? {
        guard let config else { return nil }
        if stateDict.metadata["config"] != nil {
            Terminal.warning("--config overrides the config stored in the weights file")
        }
        return try ConfigFiles.load(URL(fileURLWithPath: config))
    }

    private func loadInputs(config: PIRenderConfig) throws -> (image: Tensor, window: Tensor) {
        if let inputs {
            let file = try Safetensors.read(URL(fileURLWithPath: inputs))
            guard let image = file.tensors["input_image"], let window = file.tensors["driving_coeffs"] else {
                throw NeuralError(.malformed, "expected tensors input_image (1,3,R,R) and driving_coeffs (1,73,27); found \(file.tensors.keys.sorted().joined(separator: ", "))", path: inputs)
            }
            return (Tensor(image), Tensor(window))
        }
        let picture = try ImageIO.readImage(URL(fileURLWithPath: image!))
        let image = try TensorImages.tensor(from: picture, multiple: config.resolutionMultiple, path: self.image!)
        let window = try CoefficientFiles.window(URL(fileURLWithPath: coeffs!), frame: frame, radius: config.semanticRadius)
        return (image, window)
    }

    // MARK: - Benchmark

    private func runBenchmark() throws {
        let generator: PIRenderGenerator
        var origin = "random weights"
        if let weights {
            generator = try loadGenerator(URL(fileURLWithPath: weights))
            origin = URL(fileURLWithPath: weights).lastPathComponent
        } else {
            generator = try PIRenderGenerator(config: try config.map { try ConfigFiles.load(URL(fileURLWithPath: $0)) } ?? .default)
            RandomWeights.fill(generator.registry, seed: 1)
            generator.registry.parametersDidChange()
        }
        let size = resolution ?? generator.config.resolution
        var random = SplitMix64(seed: 7)
        let image = Tensor(shape: [1, generator.config.common.imageChannels, size, size])
        for index in 0..<image.count { image.data[index] = random.nextUniform() * 2 - 1 }
        let window = Tensor(shape: [1, generator.config.mapping.coeffChannels, generator.config.windowLength])
        for index in 0..<window.count { window.data[index] = random.nextUniform() - 0.5 }
        try generator.prepare(resolution: size)
        let residentBefore = MemoryUsage.residentBytes
        MemoryUsage.resetPeak()
        for _ in 0..<3 { _ = try generator.forward(inputImage: image, drivingCoefficients: window) }
        var samples: [PIRenderStageTimings] = []
        for _ in 0..<runs { samples.append(try generator.forward(inputImage: image, drivingCoefficients: window).timings) }
        let peak = MemoryUsage.peakResidentBytes
        GEMMProfile.start()
        let profiled = try generator.forward(inputImage: image, drivingCoefficients: window).timings.total.milliseconds
        let gemm = GEMMProfile.stop()
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        let parameters = generator.registry.liveParameterCount
        print("PIRender generator benchmark: \(size)x\(size), \(ComputeThreads.current) threads (products split over them, single-threaded OpenBLAS \(ComputeThreads.kernelName) kernels), \(origin), median of \(runs) after 3 warm-up runs")
        print(String(format: "  mapping_net   %8.1f ms", median(samples.map { $0.mappingNet.milliseconds })))
        print(String(format: "  warpping_net  %8.1f ms", median(samples.map { $0.warpingNet.milliseconds })))
        print(String(format: "  editing_net   %8.1f ms", median(samples.map { $0.editingNet.milliseconds })))
        print(String(format: "  total         %8.1f ms  (min %.1f, max %.1f)", median(samples.map { $0.total.milliseconds }),
                     samples.map { $0.total.milliseconds }.min()!, samples.map { $0.total.milliseconds }.max()!))
        print(String(format: "  in sgemm      %8.1f ms of %.1f ms in one profiled run: %.2f GMAC, %.1f GMAC/s inside sgemm; the rest (%.0f%%) is im2col/col2im, norms, activations, resampling",
                     gemm.seconds * 1000, profiled, Double(gemm.multiplyAccumulates) / 1e9,
                     Double(gemm.multiplyAccumulates) / 1e9 / gemm.seconds, 100 * (1 - gemm.seconds * 1000 / profiled)))
        print(String(format: "  memory plan   %8.1f MB  (run-state buffers + im2col scratch, allocated once)",
                     Double(generator.planFloatCount * 4) / 1e6))
        print(String(format: "  parameters    %8.1f MB  (%d live floats)", Double(parameters * 4) / 1e6, parameters))
        if let peak, let residentBefore {
            print(String(format: "  peak RSS      %8.1f MB  (process; %.1f MB before the first forward pass, growth %.1f MB)",
                         Double(peak) / 1e6, Double(residentBefore) / 1e6, Double(peak - residentBefore) / 1e6))
        }
    }
}

// MARK: - Helpers

/// Reading a generator config from JSON or YAML.
enum ConfigFiles {
    static func load(_ url: URL) throws -> PIRenderConfig {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw NeuralError(.fileNotFound, "cannot read the config", path: url.path, cause: error)
        }
        do {
            if url.pathExtension.lowercased() == "json" { return try PIRenderConfig(json: text) }
            if let violation = YAMLLimits.standard.violation(in: text) {
                throw NeuralError(.malformed, "line \(violation.line), column \(violation.column): \(violation.message)", path: url.path)
            }
            guard let object = try Yams.load(yaml: text) else {
                throw NeuralError(.malformed, "the config file is empty", path: url.path)
            }
            return try PIRenderConfig(parsing: object)
        } catch let error as NeuralError {
            throw error.at(url.path)
        } catch {
            throw NeuralError(.malformed, "not valid YAML/JSON", path: url.path, cause: error)
        }
    }
}

/// Driving coefficients from files.
enum CoefficientFiles {
    /// The (1,73,2r+1) window: from a safetensors `driving_coeffs`, or built from a text file
    /// of 73 numbers per frame, centred on `frame`.
    static func window(_ url: URL, frame: Int, radius: Int) throws -> Tensor {
        if url.pathExtension.lowercased() == "safetensors" {
            let file = try Safetensors.read(url)
            guard let stored = file.tensors["driving_coeffs"] else {
                throw NeuralError(.malformed, "expected a tensor driving_coeffs (1,73,\(2 * radius + 1)); found \(file.tensors.keys.sorted().joined(separator: ", "))", path: url.path)
            }
            return Tensor(stored)
        }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw NeuralError(.fileNotFound, "cannot read", path: url.path, cause: error)
        }
        var frames: [[Float]] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = content.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            let values = fields.compactMap { Float($0) }
            guard values.count == fields.count, values.count == DrivingWindow.coefficientCount else {
                throw NeuralError(.malformed, "line \(number + 1): expected \(DrivingWindow.coefficientCount) numbers (expression 64, angles 3, translation 3, crop 3); got \(fields.count) fields", path: url.path)
            }
            frames.append(values)
        }
        guard frame < frames.count else {
            throw NeuralError(.invalidArgument, "--frame \(frame) is past the \(frames.count) frames of the file", path: url.path)
        }
        return try DrivingWindow.window(frames: frames, center: frame, radius: radius)
    }
}

/// Conversions between 8-bit RGB pictures and the generator's (1,3,R,R) tensors in [-1, 1].
enum TensorImages {
    /// uint8 → [0,1] → (x − 0.5)/0.5, as torchvision's ToTensor + Normalize(0.5, 0.5).
    static func tensor(from picture: RGBImage, multiple: Int, path: String) throws -> Tensor {
        guard picture.width == picture.height, picture.width % multiple == 0 else {
            throw NeuralError(.invalidArgument, "the image must be square with a side that is a multiple of \(multiple) (PIRender is trained at 256x256); got \(picture.width)x\(picture.height)", path: path)
        }
        let size = picture.width
        let tensor = Tensor(shape: [1, 3, size, size])
        for y in 0..<size {
            for x in 0..<size {
                for channel in 0..<3 {
                    let value = Float(picture.pixels[y * picture.rowStride + x * 3 + channel]) / 255
                    tensor.data[(channel * size + y) * size + x] = (value - 0.5) / 0.5
                }
            }
        }
        return tensor
    }

    /// Clamps to [-1, 1] and maps to uint8 by (x + 1)/2·255, truncated as the reference does.
    static func image(from tensor: Tensor) -> RGBImage {
        let (height, width) = (tensor.shape[2], tensor.shape[3])
        var picture = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                for channel in 0..<3 {
                    let value = Swift.min(1, Swift.max(-1, tensor.data[(channel * height + y) * width + x]))
                    picture.pixels[y * picture.rowStride + x * 3 + channel] = UInt8((value + 1) / 2 * 255)
                }
            }
        }
        return picture
    }
}

/// Deterministic random weights for the benchmark (N(0, 0.02) like the reference's init;
/// LayerNorm weights 1).
enum RandomWeights {
    static func fill(_ registry: ParameterRegistry, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for (name, tensor) in registry.parameters {
            let isLayerNormWeight = tensor.rank == 3 && tensor.shape[1] == 1 && tensor.shape[2] == 1 && name.hasSuffix(".weight")
            for index in 0..<tensor.count {
                tensor.data[index] = isLayerNormWeight ? 1 : random.nextNormal() * 0.02
            }
        }
    }
}

/// A small deterministic generator (SplitMix64).
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Standard normal (Box–Muller).
    mutating func nextNormal() -> Float {
        let u1 = Swift.max(nextUniform(), 1e-7), u2 = nextUniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * .pi * u2)
    }
}

/// Resident memory of this process from /proc/self/status (Linux).
enum MemoryUsage {
    /// VmRSS in bytes.
    static var residentBytes: Int? { field("VmRSS:") }
    /// VmHWM (peak resident set) in bytes.
    static var peakResidentBytes: Int? { field("VmHWM:") }

    /// Resets VmHWM to the current RSS (writing 5 to /proc/self/clear_refs), when allowed.
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    private static func field(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kilobytes = Int(parts[1]) { return kilobytes * 1024 }
        }
        return nil
    }
}

extension Duration {
    /// The duration in milliseconds.
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

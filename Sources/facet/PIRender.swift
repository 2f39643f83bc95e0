import ArgumentParser
import FacetHost
import Foundation

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

    @Option(
        name: .long,
        help:
            "Generator weights: a safetensors state_dict (PIRender key names) or an official PyTorch checkpoint (.pt/.pth: net_G_ema is read, with no Python).",
        completion: .file())
    var weights: String?

    @Option(name: .long, help: "Generator hyper-parameters (JSON or YAML), e.g. for weights without a stored config.", completion: .file())
    var config: String?

    @Option(name: .long, help: "The source portrait (PNG/JPEG), square.", completion: .file())
    var image: String?

    @Option(
        name: .long, help: "Driving coefficients: safetensors with driving_coeffs, or text with 73 numbers per line.", completion: .file())
    var coeffs: String?

    @Option(name: .long, help: "With a per-frame --coeffs text file: the centre frame of the window (0-based).")
    var frame: Int = 0

    @Option(
        name: .long, help: "A safetensors file holding input_image and driving_coeffs (replaces --image and --coeffs).", completion: .file()
    )
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
            guard image == nil, coeffs == nil else {
                throw ValidationError("--inputs replaces --image and --coeffs; give one or the other")
            }
        } else {
            guard image != nil, coeffs != nil else { throw ValidationError("give --image and --coeffs, or --inputs") }
        }
        guard frame >= 0 else { throw ValidationError("--frame \(frame) must be >= 0") }
    }

    func run() throws {
        PIRenderTool.setComputeThreads(threads)
        do {
            if benchmark {
                try runBenchmark()
            } else {
                try render()
            }
        } catch {
            throw ExitCode(FacetCLI.report(error))
        }
    }

    // MARK: - Rendering

    private func render() throws(HostError) {
        let inputs: PIRenderTool.RenderRequest.Inputs =
            if let inputs {
                .tensors(URL(fileURLWithPath: inputs))
            } else {
                .picture(URL(fileURLWithPath: image!), coefficients: URL(fileURLWithPath: coeffs!), frame: frame)
            }
        let request = PIRenderTool.RenderRequest(
            weights: URL(fileURLWithPath: weights!), config: config.map { URL(fileURLWithPath: $0) }, inputs: inputs,
            output: output.map { URL(fileURLWithPath: $0) }, dump: dump.map { URL(fileURLWithPath: $0) }, overwrite: overwrite)
        let report = try PIRenderTool.render(request)
        for warning in report.warnings { Terminal.warning(warning) }
        Terminal.error(
            String(
                format: "facet: rendered %dx%d in %.0f ms%@%@", report.width, report.height, report.milliseconds,
                output.map { ", wrote \($0)" } ?? "", dump.map { ", stages in \($0)" } ?? ""))
    }

    // MARK: - Benchmark

    private func runBenchmark() throws(HostError) {
        let report = try PIRenderTool.benchmark(
            PIRenderTool.BenchmarkRequest(
                weights: weights.map { URL(fileURLWithPath: $0) }, config: config.map { URL(fileURLWithPath: $0) },
                resolution: resolution, runs: runs))
        let size = report.size
        print(
            "PIRender generator benchmark: \(size)x\(size), \(report.threads) threads (products split over them, single-threaded OpenBLAS \(report.kernelName) kernels), \(report.origin), median of \(report.runs) after 3 warm-up runs"
        )
        print(String(format: "  mapping_net   %8.1f ms", report.mapping))
        print(String(format: "  warpping_net  %8.1f ms", report.warping))
        print(String(format: "  editing_net   %8.1f ms", report.editing))
        print(String(format: "  total         %8.1f ms  (min %.1f, max %.1f)", report.total, report.fastest, report.slowest))
        let sgemm = report.sgemmMilliseconds, profiled = report.profiledMilliseconds
        let giga = Double(report.multiplyAccumulates) / 1e9
        print(
            String(
                format:
                    "  in sgemm      %8.1f ms of %.1f ms in one profiled run: %.2f GMAC, %.1f GMAC/s inside sgemm; the rest (%.0f%%) is im2col/col2im, norms, activations, resampling",
                sgemm, profiled, giga, giga / (sgemm / 1000), 100 * (1 - sgemm / profiled)))
        print(
            String(
                format: "  memory plan   %8.1f MB  (run-state buffers + im2col scratch, allocated once)",
                Double(report.planFloats * 4) / 1e6))
        print(
            String(format: "  parameters    %8.1f MB  (%d live floats)", Double(report.parameterFloats * 4) / 1e6, report.parameterFloats))
        if let peak = report.peakResident, let before = report.residentBefore {
            print(
                String(
                    format: "  peak RSS      %8.1f MB  (process; %.1f MB before the first forward pass, growth %.1f MB)",
                    Double(peak) / 1e6, Double(before) / 1e6, Double(peak - before) / 1e6))
        }
    }
}

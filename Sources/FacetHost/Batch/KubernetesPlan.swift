import Foundation

/// The same plan as `SlurmPlan` for Kubernetes: an Indexed Job whose pod `i` runs
/// `facet batch JOBS.yaml --task i+1` (Kubernetes counts from 0, items from 1), with the job
/// file, inputs, outputs and state on one volume every pod mounts at the same path. Written by
/// `facet batch --emit-kubernetes FILE`; facet never runs it.
public struct KubernetesPlan: Sendable {
    /// The job file, as the pods see it.
    public var jobFile: URL
    /// How many items (the Job's completions).
    public var itemCount: Int
    /// At most this many pods at once (the Job's parallelism).
    public var parallelism: Int
    /// CPUs and memory each pod asks for.
    public var cpus: Int
    public var memory: String
    /// Attempts a pod may fail before the Job stops retrying it (`backoffLimitPerIndex`).
    public var retries: Int
    /// The Job's name.
    public var name: String

    /// The plan for `job`, with the Slurm section's resources where they are given.
    public init(job: BatchJob, settings: SlurmSettings) {
        jobFile = job.file
        itemCount = job.items.count
        parallelism = settings.maximumParallel ?? min(job.items.count, 8)
        cpus = settings.cpusPerTask ?? 2
        memory = settings.memory ?? "4G"
        retries = job.retries
        name =
            "facet-"
            + job.file.deletingPathExtension().lastPathComponent.lowercased()
            .map { $0.isLetter || $0.isNumber ? $0 : "-" }.reduce(into: "") { $0.append($1) }
    }

    /// The manifest (YAML). The image and the volume are placeholders to fill in: an image with
    /// facet and its Debian libraries, and the shared volume holding the batch's folder.
    public var manifest: String {
        let folder = jobFile.deletingLastPathComponent().path
        let memoryQuantity = memory.hasSuffix("G") || memory.hasSuffix("M") ? memory + "i" : memory
        return """
            # An Indexed Job running the items of \(jobFile.lastPathComponent), written by facet batch --emit-kubernetes.
            # Pod i runs item i+1; an item done already returns at once, so the Job can be applied again.
            # Fill in the image (facet and its Debian libraries) and the volume holding \(folder).
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: \(name)
            spec:
              completionMode: Indexed
              completions: \(itemCount)
              parallelism: \(parallelism)
              backoffLimitPerIndex: \(retries)
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: facet
                      image: REPLACE-WITH-YOUR-FACET-IMAGE
                      command: ["sh", "-c", "exec facet batch \(SlurmPlan.quoted(jobFile.path)) --task $((JOB_COMPLETION_INDEX + 1))"]
                      resources:
                        requests: { cpu: "\(cpus)", memory: "\(memoryQuantity)" }
                        limits: { cpu: "\(cpus)", memory: "\(memoryQuantity)" }
                      volumeMounts:
                        - { name: batch, mountPath: \(folder) }
                  volumes:
                    - name: batch
                      persistentVolumeClaim: { claimName: REPLACE-WITH-YOUR-SHARED-VOLUME-CLAIM }

            """
    }
}

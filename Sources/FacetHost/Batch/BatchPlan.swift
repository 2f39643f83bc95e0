import FacetMedia
import Foundation

// The work of a batch as units a worker or a Slurm task runs, in four steps:
//
//   items   every item that is made whole, and the analysis of every segment (all at once)
//   merge   each segmented item's analyses joined (one task)
//   render  every segment of every segmented item rendered (all at once)
//   join    each segmented item's segments joined into its output, then the summary (one task)
//
// Without segmented items only the first step has work, and its unit N is item N.

/// The units of a batch, numbered from 1 within their step (Slurm's array index, `--task N`).
public struct BatchPlan {
    /// The steps, in the order they run.
    public enum Step: String, Sendable, CaseIterable {
        case items, merge, render, join
    }

    /// One unit of work.
    public struct Unit: Sendable {
        /// What it does.
        public enum Kind: Sendable, Equatable {
            /// The whole item.
            case whole
            /// Step 1 of a segmented item: analyse segment (0-based).
            case analyse(Int)
            /// Step 3: render segment (0-based).
            case render(Int)
        }

        /// What it does.
        public var kind: Kind
        /// Its item.
        public var item: BatchItem
        /// Its number within its step, from 1.
        public var number: Int

        /// `item 3`, `item 3 segment 2/4 (analysis)`.
        public func title(of plan: BatchPlan) -> String {
            let count = plan.segmented[item.number]?.plan.count ?? 1
            switch kind {
            case .whole: return "item \(item.number)"
            case .analyse(let segment): return "item \(item.number) segment \(segment + 1)/\(count) (analysis)"
            case .render(let segment): return "item \(item.number) segment \(segment + 1)/\(count) (render)"
            }
        }
    }

    /// The job.
    public let job: BatchJob
    /// The segmented items' plans, by item number (an item whose input cannot be read is left
    /// out: it fails, as a whole item, when it runs).
    public let segmented: [Int: SegmentedItem]
    /// Step 1's units.
    public let itemUnits: [Unit]
    /// Step 3's units.
    public let renderUnits: [Unit]

    /// Plans `job`: reads the keyframes of each segmented item's input (nothing is decoded).
    public init(job: BatchJob, state: BatchState) {
        self.job = job
        var segmented: [Int: SegmentedItem] = [:]
        var itemUnits: [Unit] = []
        var renderUnits: [Unit] = []
        for item in job.items {
            if item.settings.segments != nil, let planned = try? SegmentedItem(item, state: state) {
                segmented[item.number] = planned
                for segment in 0..<planned.plan.count {
                    itemUnits.append(Unit(kind: .analyse(segment), item: item, number: itemUnits.count + 1))
                    renderUnits.append(Unit(kind: .render(segment), item: item, number: renderUnits.count + 1))
                }
            } else {
                itemUnits.append(Unit(kind: .whole, item: item, number: itemUnits.count + 1))
            }
        }
        self.segmented = segmented
        self.itemUnits = itemUnits
        self.renderUnits = renderUnits
    }

    /// Whether the batch has segmented items (and so steps 2 to 4).
    public var hasSegments: Bool { !segmented.isEmpty }

    /// The units of `step` (merge and join have none: one task does each).
    public func units(_ step: Step) -> [Unit] {
        switch step {
        case .items: itemUnits
        case .render: renderUnits
        case .merge, .join: []
        }
    }

    /// Whether `unit` needs no work: its item is done, or its own result is there.
    public func isDone(_ unit: Unit, state: BatchState) -> Bool {
        if state.isDone(unit.item) { return true }
        guard let segmented = segmented[unit.item.number] else { return false }
        switch unit.kind {
        case .whole: return false
        case .analyse(let segment): return segmented.isAnalysed(segment) || segmented.isMerged
        case .render(let segment): return segmented.isRendered(segment)
        }
    }

    /// The segmented items not done.
    public func segmentedPending(state: BatchState) -> [SegmentedItem] {
        segmented.values.filter { !state.isDone($0.item) }.sorted { $0.item.number < $1.item.number }
    }
}

/// E[i][j]: the score of the model after training step i on the held-out split of step group j (DESIGN §7).
///
/// Rows are training steps in order, columns the step groups in time order; a cell is nil until that
/// checkpoint has been evaluated on that group (a group that arrived later adds a column that old checkpoints
/// fill on request). The summaries follow TiC: for a loss (`higherIsBetter == false`) the formulas are the
/// same and only "best" flips.
public struct EvalMatrix: Equatable, Sendable {
    public var rows: [String]
    public var columns: [String]
    /// rows.count × columns.count
    public var values: [[Double?]]
    /// True for retrieval recall, false for loss, perplexity and bits per byte.
    public var higherIsBetter: Bool

    public init(rows: [String], columns: [String], values: [[Double?]], higherIsBetter: Bool) {
        precondition(values.count == rows.count && values.allSatisfy { $0.count == columns.count },
                     "the matrix must be rows × columns")
        self.rows = rows; self.columns = columns; self.values = values; self.higherIsBetter = higherIsBetter
    }

    /// In-distribution: the mean of E[i][i], each step on its own data.
    public var inDistribution: Double? { mean(cells { i, j in i == j }) }

    /// Backward transfer: the mean of E[i][j] over i > j, later models on earlier data (what is retained).
    public var backward: Double? { mean(cells { i, j in i > j }) }

    /// Forward transfer: the mean of E[i][j] over i < j, models on data from after their training.
    public var forward: Double? { mean(cells { i, j in i < j }) }

    /// For row i, each earlier column's drop since the best score any model up to i had on it: positive
    /// means forgotten (for a loss, a rise). nil where row i or every earlier row lacks the cell.
    public func forgetting(row i: Int) -> [Double?] {
        (0..<columns.count).map { j in
            guard j < i, let now = values[i][j] else { return nil }
            let history = (0...i).compactMap { values[$0][j] }
            guard let best = higherIsBetter ? history.max() : history.min() else { return nil }
            return higherIsBetter ? best - now : now - best
        }
    }

    private func cells(_ include: (Int, Int) -> Bool) -> [Double] {
        var out: [Double] = []
        for i in rows.indices {
            for j in columns.indices where include(i, j) {
                if let v = values[i][j] { out.append(v) }
            }
        }
        return out
    }

    private func mean(_ xs: [Double]) -> Double? {
        xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
    }
}

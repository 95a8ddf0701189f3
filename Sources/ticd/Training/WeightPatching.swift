import Foundation

/// Patching (Ilharco et al., as TiC-CLIP runs it): after fine-tuning on the new data, interpolate with the
/// previous weights, θ = (1−β)·θ_old + β·θ_new, with β picked from a grid by the held-out score on past slices
/// only; the newest slice's eval split is never looked at, or β would be tuned on the test it is judged by.
enum WeightPatching {
    struct Choice: Equatable {
        let beta: Double
        /// The past slices' mean headline score of each β tried, in grid order.
        let scores: [Double?]
    }

    /// Tries each β of `grid` on `parameters` (which hold θ_new on entry and the chosen mix on return).
    /// - Parameters:
    ///   - old: θ_old, the previous step's weights.
    ///   - score: the held-out score on past slices of the weights now in `parameters`; nil when there is
    ///     none (no past slice with eval samples), and then β = 1 (no patching).
    ///   - higherIsBetter: false for perplexity.
    /// Ties go to the larger β, which keeps more of what the new data taught.
    static func choose(parameters: UnsafeMutableBufferPointer<Float>, old: [Float], grid: [Double],
                       higherIsBetter: Bool, score: () throws -> Double?) throws -> Choice {
        precondition(old.count == parameters.count, "θ_old and θ_new must have the same layout")
        let new = Array(parameters)
        func mix(_ beta: Double) {
            let b = Float(beta)
            for i in 0..<new.count { parameters[i] = (1 - b) * old[i] + b * new[i] }
        }
        var scores: [Double?] = []
        var best: (beta: Double, score: Double)?
        for beta in grid.sorted(by: >) {
            mix(beta)
            let s = try score()
            scores.append(s)
            guard let s else { continue }
            if best == nil || (higherIsBetter ? s > best!.score : s < best!.score) { best = (beta, s) }
        }
        let chosen = best?.beta ?? 1
        mix(chosen)
        // Report scores in the grid's own order.
        let order = grid.sorted(by: >)
        return Choice(beta: chosen, scores: grid.map { beta in scores[order.firstIndex(of: beta)!] })
    }
}

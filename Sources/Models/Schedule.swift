import Foundation

/// Learning-rate schedules as pure functions of the step index (0-based), so a restarted run that knows its
/// step knows its learning rate. Warmup follows open_clip: step s < warmup gets peak·(s+1)/warmup.
public enum LRSchedule {
    /// Linear warmup to `peak`, then a half cosine from `peak` down to `floor` at step `total` (open_clip's
    /// `cosine_lr`, with open_lm's final learning rate). Steps at or past `total` stay at `floor`.
    /// - Parameters:
    ///   - peak: the learning rate at the end of warmup.
    ///   - warmup: warmup steps (0 for none).
    ///   - total: steps in the whole run, warmup included.
    ///   - floor: the learning rate the cosine ends at.
    public static func warmupCosine(peak: Float, warmup: Int, total: Int, floor: Float = 0) -> (Int) -> Float {
        { step in
            if step < warmup { return warmupValue(peak: peak, warmup: warmup, step: step) }
            let decaySteps = total - warmup
            guard decaySteps > 0, step < total else { return floor }
            let progress = Double(step - warmup) / Double(decaySteps)
            return floor + Float(0.5 * (1 + cos(Double.pi * progress))) * (peak - floor)
        }
    }

    /// Linear warmup to `lr`, then `lr` for ever (open_clip's `const_lr`).
    public static func constant(_ lr: Float, warmup: Int = 0) -> (Int) -> Float {
        { step in step < warmup ? warmupValue(peak: lr, warmup: warmup, step: step) : lr }
    }

    /// Linear warmup to `peak`, then reciprocal-square-root decay peak·√(τ/(s−warmup+τ)) with τ = warmup,
    /// then a linear cooldown over the last `cooldown` steps that reaches 0 at step `total` (the
    /// "infinite" schedule of open_lm / TiC-LM, whose cooldown can be added when the run's end is known).
    /// - Parameters:
    ///   - peak: the learning rate at the end of warmup.
    ///   - warmup: warmup steps; also the decay's time scale τ (at least 1).
    ///   - cooldown: steps of the final linear ramp to 0.
    ///   - total: steps in the whole run.
    public static func rsqrt(peak: Float, warmup: Int, cooldown: Int, total: Int) -> (Int) -> Float {
        let timescale = Double(max(warmup, 1))
        let beforeCooldown: (Int) -> Float = { step in
            if step < warmup { return warmupValue(peak: peak, warmup: warmup, step: step) }
            return peak * Float((timescale / (Double(step - warmup) + timescale)).squareRoot())
        }
        let cooldownStart = total - cooldown
        return { step in
            if step >= total { return 0 }
            guard cooldown > 0, step >= cooldownStart else { return beforeCooldown(step) }
            return beforeCooldown(max(cooldownStart, 0)) * Float(total - step) / Float(cooldown)
        }
    }

    /// TiC-LM's autoregressive meta-schedule: the peak learning rate of round `i` (0-based),
    /// η_end + (η0 − η_end)·½(1 + cos(π·i/(i+1))). Round 0 gets η0 and later rounds approach η_end.
    public static func arMetaPeak(round i: Int, eta0: Float, etaEnd: Float) -> Float {
        let phase = Double.pi * Double(i) / Double(i + 1)
        return etaEnd + (eta0 - etaEnd) * Float(0.5 * (1 + cos(phase)))
    }

    private static func warmupValue(peak: Float, warmup: Int, step: Int) -> Float {
        peak * Float(step + 1) / Float(warmup)
    }
}

/// Which schedule a run uses; the raw values are the config and command-line spellings.
public enum LRScheduleKind: String, Codable, CaseIterable {
    /// Warmup then cosine to a floor, restarted every round.
    case cosine
    /// Warmup then cosine, with each round's peak from `LRSchedule.arMetaPeak`.
    case arCosine = "ar-cosine"
    /// Warmup, reciprocal-square-root decay and a linear cooldown.
    case rsqrt
}

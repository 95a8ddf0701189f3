import Timeline

extension Planner {
    /// The plan of step `step` of a catalog: groups its slices (train or eval) by `unit`, reads the train
    /// counts through the step's last month, and plans.
    /// - Parameters:
    ///   - step: 1-based step number.
    ///   - catalog: the state directory's catalog.
    ///   - unit, firstStepUntil: the config's `step_unit` and `first_step_until`.
    ///   - config: the replay settings.
    /// - Returns: the plan, ready for `Catalog.savePlan`.
    /// - Throws: `CatalogError` reading the catalog; `ReplayError` as `plan(step:groups:counts:config:)`.
    public static func plan(step: Int, catalog: Catalog, unit: StepUnit, firstStepUntil: Month?,
                            config: ReplayConfig) throws -> StepPlan {
        let groups = StepGrouping.groups(months: try catalog.slices().map(\.slice), unit: unit,
                                         firstStepUntil: firstStepUntil)
        guard step >= 1, step <= groups.count else {
            throw ReplayError.stepOutOfRange(step: step, steps: groups.count)
        }
        let counts = try PlanInput(catalog: catalog, through: groups[step - 1].last)
        return try plan(step: step, groups: groups, counts: counts, config: config)
    }
}

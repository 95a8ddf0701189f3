/// The metric a task's evaluation matrix is read in (DESIGN §7): CLIP retrieval's mean of the two R@1, where
/// higher is better, or the LM's perplexity, where lower is.
struct HeadlineMetric {
    let name: String
    let higherIsBetter: Bool

    init(task: String) {
        name = task == "clip" ? "mean_recall@1" : "perplexity"
        higherIsBetter = task == "clip"
    }
}

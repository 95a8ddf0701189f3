import Foundation
import Timeline

/// Dispatches `ticd SUBCOMMAND ...` (DESIGN §10) and maps failures to exit statuses:
/// 0 success, 1 internal error, 2 usage error, 3 some shard quarantined (ingest).
enum CommandLineInterface {
    static let usage = """
    usage: ticd COMMAND [OPTIONS]

      ingest  --state DIR [--eval-fraction F] [--eval-per-slice N] [--move] [--json] PATH...
      slices  --state DIR [--json]
      shards  --state DIR [--json]
      plan    --config FILE [--run NAME] --step N [--json] [--fresh]
      train   --config FILE [--run NAME] [--until-step N] [--json]
      eval    --config FILE [--run NAME] [--json] [--backfill]
      run     --config FILE [--run NAME] [--inbox DIR] [--state DIR] [--socket PATH] [--quiet-period S]
      query   [--socket PATH | --config FILE] NAME [--json BODY]   NAME: status, slices, shards, steps,
              checkpoints, eval, robustness, plan?step=N, metrics; train, pause, resume, evaluate (POST)
      report  --config FILE [--run NAME] --out FILE.html [--compare CONFIG]...
      experiment --config BASE --policies LIST|all --out DIR [--quick] [--jobs N]
      corpus  changelogs --out DIR [--since YYYY] [--until YYYY] [--doc-root DIR]
      corpus  synthetic --out DIR --kind image-text|text [--years A-B] [--seed S] [--per-month N] [--image-size PX] [--months N]
      bench   ingest [--json] [--mb N] [--images N] [--dir DIR] [--no-reference]
      bench   plan [--json] [--shards N]
      bench   filter [--json] [--no-reference] [--python PATH]   both parts below, with their defaults
      bench   filter minhash [--json] [--no-reference] [--python PATH] [--docs N] [--threads N] [--num-perm N] [--threshold T] [--ngram N] [--confirm]
      bench   train|eval --model clip|gpt [--json] [--threads N] [--steps N] [--profile] [--python PATH] [--no-reference]
      bench   filter text-classifier [--json] [--no-reference] [--python PATH] [--docs N] [--epochs N] [--dim N] [--buckets N]
      doctor  [--state DIR] [--json]
      filter  train-text --positives FILE --negatives FILE --out MODEL [--epochs N] [--buckets N] [--dim N]
              [--lr X] [--seed S] [--threads N] [--holdout F]      FILE: one document per line, or .jsonl with "text"
      filter  score-text --model MODEL [--threads N] FILE

    Exit status: 0 ok, 1 internal error, 2 usage error, 3 some shard quarantined.
    """

    static func run(_ args: [String]) -> Int32 {
        guard let command = args.first else {
            print(usage)
            return 2
        }
        let rest = Array(args.dropFirst())
        do {
            switch command {
            case "ingest": return try IngestCommand.run(rest)
            case "experiment": return try ExperimentCommand.run(rest)
            case "slices": return try CatalogCommands.slices(rest)
            case "shards": return try CatalogCommands.shards(rest)
            case "plan": return try PlanCommand.run(rest)
            case "train": return try TrainCommand.run(rest)
            case "eval": return try EvalCommand.run(rest)
            case "run": return try RunCommand.run(rest)
            case "query": return try QueryCommand.run(rest)
            case "report": return try ReportCommand.run(rest)
            case "corpus": return try CorpusCommand.run(rest)
            case "bench": return try BenchCommand.run(rest)
            case "doctor": return try DoctorCommand.run(rest)
            case "filter": return try FilterCommand.run(rest)
            case "help", "--help", "-h":
                print(usage)
                return 0
            default:
                throw UsageError("unknown command \"\(command)\"")
            }
        } catch let error as ConfigError {
            printError("ticd \(command): \(error)")
            return 2
        } catch let error as UsageError {
            printError("ticd \(command): \(error)\n\n\(usage)")
            return 2
        } catch {
            printError("ticd \(command): \(error)")
            return 1
        }
    }
}

/// Writes a line to stderr.
func printError(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}

/// One JSON value per line, keys sorted, so outputs diff cleanly and scripts can read them line by line.
func jsonLine<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
}

import Foundation
import XCTest
import Timeline
@testable import ticd

/// The report as a person sees it: headless Chromium renders the page to a PNG, which must show the heatmap's
/// colours, not a blank or broken page. Skipped where Chromium is not installed (`.ci/run` installs it).
final class ReportBrowserTests: TemporaryDirectoryTestCase {
    /// The first of `chromium` and `chromium-browser` on PATH.
    static var chromium: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["chromium", "chromium-browser"] {
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    func testChromiumRendersTheHeatmapInColour() throws {
        let values: [[Double?]] = [[0.1, 0.05, 0.02], [0.3, 0.4, 0.1], [0.35, 0.45, 0.6]]
        let run = try ReportRun.make(root: root, values: values)
        let report = root + "/report.html"
        try Data(ReportPage.html(try ReportData.load(config: run.config, catalog: run.catalog, compare: [])).utf8)
            .write(to: URL(fileURLWithPath: report))
        try assertRendersInColour(report, height: 1400)
    }

    /// The combined report of `ticd experiment`: every run's heatmap, the per-step table and the Pareto chart
    /// on one page, rendered whole.
    func testChromiumRendersAnExperimentsCombinedReport() throws {
        guard Self.chromium != nil else { throw XCTSkip("chromium is not installed") }
        let config = try ExperimentFixture.prepare(root: root, name: "browser")
        let r = try Ticd.run(["experiment", "--config", config, "--policies", "sequential,cumulative-all,oracle,lwf",
                              "--out", root + "/out", "--quick"])
        XCTAssertEqual(r.status, 0, r.stderr)
        try assertRendersInColour(root + "/out/report.html", height: 6000)
    }

    /// Renders `report` in headless Chromium at 1200 px wide and checks the picture: many colours, not blank,
    /// and heatmap cells of the best and the worst colour on screen.
    private func assertRendersInColour(_ report: String, height: Int, file: StaticString = #filePath,
                                       line: UInt = #line) throws {
        guard let chromium = Self.chromium else { throw XCTSkip("chromium is not installed") }
        let shot = report + ".png"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                             "--user-data-dir=\(root)/profile", "--screenshot=\(shot)", "--window-size=1200,\(height)",
                             URL(fileURLWithPath: report).absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            XCTFail("chromium did not finish within 120 s", file: file, line: line)
            return
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        let image = try png.withUnsafeBytes { try ImageDecoder.decode($0, extension: "png") }
        XCTAssertEqual(image.width, 1200, file: file, line: line)
        var distinct = Set<UInt32>()
        var nonWhite = 0
        var near: [String: Int] = [ReportColors.scale(1): 0, ReportColors.scale(0): 0]
        let targets = near.keys.map { key -> (String, [Int]) in
            let hex = Int(key.dropFirst(), radix: 16)!
            return (key, [hex >> 16, (hex >> 8) & 0xFF, hex & 0xFF])
        }
        for p in 0..<image.width * image.height {
            let r = Int(image.pixels[3 * p]), g = Int(image.pixels[3 * p + 1]), b = Int(image.pixels[3 * p + 2])
            distinct.insert(UInt32(r << 16 | g << 8 | b))
            if r < 245 || g < 245 || b < 245 { nonWhite += 1 }
            for (key, rgb) in targets where abs(r - rgb[0]) <= 4 && abs(g - rgb[1]) <= 4 && abs(b - rgb[2]) <= 4 {
                near[key]! += 1
            }
        }
        XCTAssertGreaterThan(distinct.count, 200, "text, lines and the colour scale make many colours", file: file, line: line)
        XCTAssertGreaterThan(nonWhite, image.width * image.height / 50, "the page is not blank", file: file, line: line)
        for (colour, count) in near {
            XCTAssertGreaterThan(count, 1500, "a heatmap cell of \(colour) is on screen (best and worst values)",
                                 file: file, line: line)
        }
    }
}

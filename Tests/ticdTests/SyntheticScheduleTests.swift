import Foundation
import XCTest
import Models
import Timeline
@testable import ticd

/// The synthetic corpora drift the way docs/formats.md says: concepts and topics appear and retire on their
/// schedule, and the drawing style and word frequencies move with the months.
final class SyntheticScheduleTests: TemporaryDirectoryTestCase {
    /// The words of many captions of year `offset` (years since the first year).
    func captionWords(inYear offset: Int, count: Int = 600) -> Set<String> {
        var rng = SplitMix64RNG(seed: UInt64(100 + offset))
        var words = Set<String>()
        for i in 0..<count {
            let caption = SyntheticScene.random(inYear: offset, rng: &rng).caption(template: i % SyntheticScene.templateCount)
            words.formUnion(caption.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init))
        }
        return words
    }

    func testEveryConceptIsCaptionedExactlyInTheYearsOfItsSchedule() {
        let years = 0...6
        let words = years.map { captionWords(inYear: $0) }
        func check(_ name: String, forms: [String], from: Int, until: Int?) {
            for year in years {
                let live = year >= from && until.map { year < $0 } != false
                let seen = forms.contains { words[year].contains($0) }
                XCTAssertEqual(seen, live, "\(name) in year \(year): scheduled from \(from) until \(until.map(String.init) ?? "never")")
            }
        }
        for s in SyntheticSchedule.shapes { check(s.value.rawValue, forms: [s.value.rawValue, s.value.plural], from: s.from, until: s.until) }
        for c in SyntheticSchedule.colours { check(c.value.name, forms: [c.value.name], from: c.from, until: c.until) }
        for t in SyntheticSchedule.textures { check(t.value.rawValue, forms: [t.value.rawValue], from: t.from, until: t.until) }
    }

    func testEveryYearBringsNewConceptsUntilTheTableEnds() {
        for year in 1...5 {
            let new = SyntheticSchedule.shapes.filter { $0.from == year }.count
                + SyntheticSchedule.colours.filter { $0.from == year }.count
                + SyntheticSchedule.textures.filter { $0.from == year }.count
            XCTAssertGreaterThan(new, 0, "year \(year)")
        }
    }

    func testCorpusCaptionsFollowTheScheduleAcrossTheFirstYearBoundary() throws {
        let corpus = SyntheticCorpus(out: root + "/c", firstYear: 2014, lastYear: 2015, seed: 3, perMonth: 40, imageSize: 8)
        try corpus.writeImageText { _ in }
        var words: [Int: Set<String>] = [2014: [], 2015: []]
        for month in corpus.months {
            for sample in try SyntheticCorpusTests.samples("\(corpus.out)/\(month)/00000.tar") {
                let caption = String(decoding: try XCTUnwrap(sample.members["txt"]?.data), as: UTF8.self)
                words[month.year]?.formUnion(caption.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init))
            }
        }
        // Year 1 of the table: yellow retires; ring, purple and dotted arrive.
        XCTAssertTrue(words[2014]!.contains("yellow")); XCTAssertFalse(words[2015]!.contains("yellow"))
        XCTAssertTrue(words[2014]!.isDisjoint(with: ["ring", "rings", "purple", "dotted"]))
        XCTAssertTrue(words[2015]!.isSuperset(of: ["purple", "dotted"]))
        XCTAssertFalse(words[2015]!.isDisjoint(with: ["ring", "rings"]))
    }

    func testStyleDriftsFromFirstToLastAndThenStays() {
        XCTAssertEqual(SyntheticStyle(monthsSinceStart: 0), SyntheticStyle.first)
        XCTAssertEqual(SyntheticStyle(monthsSinceStart: Int(SyntheticStyle.driftMonths)), SyntheticStyle.last)
        XCTAssertEqual(SyntheticStyle(monthsSinceStart: 500), SyntheticStyle.last)
        let a = SyntheticStyle(monthsSinceStart: 12), b = SyntheticStyle(monthsSinceStart: 13)
        XCTAssertLessThan(b.background, a.background)
        XCTAssertGreaterThan(b.noise, a.noise)
        XCTAssertLessThan(b.saturation, a.saturation)
        XCTAssertLessThan(abs(b.background - a.background), 5, "the drift is slow: a few grey levels a month")
    }

    func testPicturesOfTheSameSceneDifferAcrossYears() {
        let scene = SyntheticScene(shape: .circle, colour: SyntheticSchedule.colours[0].value, texture: .solid,
                                   count: 2, position: .centre)
        var a = SplitMix64RNG(seed: 5), b = SplitMix64RNG(seed: 5)
        let early = SyntheticPainter.paint(scene, style: SyntheticStyle(monthsSinceStart: 0), size: 32, rng: &a)
        let late = SyntheticPainter.paint(scene, style: SyntheticStyle(monthsSinceStart: 36), size: 32, rng: &b)
        let mean = { (image: RGBImage) in Double(image.pixels.reduce(0) { $0 + Int($1) }) / Double(image.pixels.count) }
        XCTAssertGreaterThan(mean(early) - mean(late), 40, "the background darkens over three years")
    }

    func testTopicWordsAppearOnlyInTheirYears() {
        let text = SyntheticText(firstYear: 2014)
        func words(inYear offset: Int) -> Set<String> {
            var rng = SplitMix64RNG(seed: 7)
            var words = Set<String>()
            for m in 1...12 {
                for _ in 0..<60 {
                    let document = text.document(month: Month(year: 2014 + offset, month: m)!, rng: &rng)
                    words.formUnion(document.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init))
                }
            }
            return words
        }
        let byYear = (0...5).map(words(inYear:))
        for topic in SyntheticText.topics {
            for year in 0...5 {
                let live = year >= topic.from && topic.until.map { year < $0 } != false
                XCTAssertEqual(!byYear[year].isDisjoint(with: topic.value.words), live, "\(topic.value.name) in year \(year)")
            }
        }
    }

    func testCommonWordFrequenciesDriftApart() {
        let text = SyntheticText(firstYear: 2014)
        let start = text.wordWeights(count: SyntheticText.verbs.count, in: Month(year: 2014, month: 1)!)
        let later = text.wordWeights(count: SyntheticText.verbs.count, in: Month(year: 2016, month: 1)!)
        let ratios = zip(later, start).map { $0 / $1 }
        XCTAssertGreaterThan(ratios.max()! / ratios.min()!, 2, "some words gain on others over two years")
    }
}

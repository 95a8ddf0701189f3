import XCTest
@testable import Timeline

final class JSONRecordScannerTests: XCTestCase {
    private func scan(_ bytes: [UInt8]) throws -> JSONFields {
        try bytes.withUnsafeBytes { try JSONRecordScanner.scan($0) }
    }

    private func scan(_ text: String) throws -> JSONFields { try scan(Array(text.utf8)) }

    /// The `.badJSON` detail for `bytes`, failing the test when they are accepted.
    private func refusal(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try scan(bytes)
            XCTFail("accepted: \(String(decoding: bytes, as: UTF8.self).prefix(80))", file: file, line: line)
            return ""
        } catch let problem as SampleProblem {
            XCTAssertEqual(problem.kind, .badJSON, file: file, line: line)
            return problem.detail
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return ""
        }
    }

    private func refusal(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        refusal(Array(text.utf8), file: file, line: line)
    }

    // MARK: Grammar

    func testGrammarTableOfValidRecordsIsAccepted() throws {
        let valid = [
            "{}", " {} ", "\t{\r\n}\n", #"{"a":1}"#, #"{"a":-0}"#, #"{"a":0.5}"#, #"{"a":-12.5e+3}"#,
            #"{"a":1E-2}"#, #"{"a":0e0}"#, #"{"a":true,"b":false,"c":null}"#, #"{"a":[]}"#, #"{"a":[1,[2,{}],"x"]}"#,
            #"{"a":{"b":{"c":[]}}}"#, #"{"":""}"#, #"{"a":"\"\\\/\b\f\n\r\t\u0041\u00e9"}"#,
            #"{ "a" : [ 1 , 2 ] , "b" : { } }"#, "{\"a\":\"caf\u{e9} \u{2014} \u{1F600}\"}", #"{"a":"\ud83d\ude00"}"#,
            #"{"a":"\ud800"}"#, #"{"a":1e400}"#, "{\"a\":\"\u{7F}\"}",
        ]
        for text in valid {
            XCTAssertNoThrow(try scan(text), text)
        }
    }

    func testGrammarTableOfInvalidRecordsIsRefused() {
        let invalid = [
            "", " ", "[]", "1", "\"a\"", "null", "{", "}", "{\"a\"}", "{\"a\":}", "{a:1}", "{'a':1}",
            #"{"a":'x'}"#, #"{"a":1,}"#, #"{"a":[1,]}"#, #"{"a":[,1]}"#, #"{,}"#, #"{"a":1 "b":2}"#,
            #"{"a":01}"#, #"{"a":-}"#, #"{"a":-01}"#, #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":1e}"#, #"{"a":1e+}"#,
            #"{"a":+1}"#, #"{"a":NaN}"#, #"{"a":Infinity}"#, #"{"a":-Infinity}"#, #"{"a":tru}"#, #"{"a":nul}"#,
            #"{"a":True}"#, #"{"a":"\x"}"#, #"{"a":"\u12"}"#, #"{"a":"\u12G4"}"#, #"{"a":"\'"}"#,
            "{\"a\":\"\t\"}", "{\"a\":\"\n\"}", "{\"a\":\"\u{0}\"}", #"{"a":"x}"#, #"{"a":1}{"b":2}"#,
            #"{"a":1} x"#, #"{"a":[1}"#, #"{"a":{]}"#, "{\"a\":1}\u{0}",
        ]
        for text in invalid {
            _ = refusal(text)
        }
    }

    func testErrorDetailNamesExpectationAndByteOffset() {
        XCTAssertEqual(refusal(#"{"key" 1}"#), "expected ':' after object key at byte 7, found '1'")
    }

    func testTrailingCommaInObjectIsRefused() {
        XCTAssertEqual(refusal(#"{"a":1,}"#), "expected '\"' to start an object key at byte 7, found '}'")
    }

    func testTrailingCommaInArrayIsRefused() {
        XCTAssertTrue(refusal(#"{"a":[1,]}"#).hasPrefix("expected a value"))
    }

    func testSingleQuotesAreRefused() {
        XCTAssertEqual(refusal("{'a':1}"), "expected '\"' to start an object key at byte 1, found '''")
    }

    func testLeadingZeroIsRefused() {
        XCTAssertTrue(refusal(#"{"a":012}"#).contains("after a leading 0 at byte 6"))
    }

    func testLoneMinusIsRefused() {
        XCTAssertEqual(refusal(#"{"a":-}"#), "expected a digit after '-' at byte 6, found '}'")
    }

    func testUnescapedControlCharacterInStringIsRefused() {
        XCTAssertEqual(refusal("{\"a\":\"x\ny\"}"),
                       "expected a control character to be escaped as \\uXXXX in a string at byte 7, found byte 0x0A")
    }

    func testUnknownEscapeIsRefused() {
        XCTAssertTrue(refusal(#"{"a":"\q"}"#).contains("after a backslash at byte 7, found 'q'"))
    }

    func testShortUnicodeEscapeIsRefused() {
        XCTAssertTrue(refusal(#"{"a":"\u00g9"}"#).hasPrefix("expected 4 hex digits after \\u at byte 10"))
    }

    func testTruncatedObjectIsRefused() {
        XCTAssertEqual(refusal(#"{"a":1"#), "expected ',' or '}' after object member at byte 6, found end of input")
    }

    func testUnterminatedStringNamesWhereItStarts() {
        XCTAssertTrue(refusal(#"{"text":"abcdefghijklmnop"#).contains("close the string that starts at byte 8"))
    }

    func testTwoObjectsOnOneLineAreRefused() {
        XCTAssertEqual(refusal(#"{"a":1} {"b":2}"#), "expected end of input after the record at byte 8, found '{'")
    }

    func testTopLevelArrayIsRefused() {
        XCTAssertEqual(refusal("[1]"), "expected '{' to start the record at byte 0, found '['")
    }

    func testEmptyInputIsRefused() {
        XCTAssertEqual(refusal(""), "expected '{' to start the record at byte 0, found end of input")
    }

    func testNaNIsRefused() {
        XCTAssertTrue(refusal(#"{"a":NaN}"#).hasPrefix("expected a value"))
    }

    func testNestingOf100IsAccepted() {
        let text = "{\"a\":" + String(repeating: "[", count: 99) + String(repeating: "]", count: 99) + "}"
        XCTAssertNoThrow(try scan(text))
    }

    func testNestingLimitIs512() {
        func record(depth: Int) -> String {
            "{\"a\":" + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "}"
        }
        XCTAssertNoThrow(try scan(record(depth: 512)))
        XCTAssertTrue(refusal(record(depth: 513)).hasPrefix("expected nesting depth at most 512 at byte 516"))
    }

    func testNestingOf10000IsRefusedWithoutStackOverflow() {
        let text = "{\"a\":" + String(repeating: "{\"b\":", count: 10_000) + "1" + String(repeating: "}", count: 10_001)
        XCTAssertTrue(refusal(text).hasPrefix("expected nesting depth at most 512"))
    }

    func testInvalidUTF8IsRefused() {
        let bytes = Array(#"{"a":"x"#.utf8) + [0xFF] + Array(#""}"#.utf8)
        XCTAssertEqual(refusal(bytes),
                       "expected valid UTF-8 (0xFF cannot start a character) at byte 7, found byte 0xFF")
    }

    func testTruncatedUTF8SequenceIsRefused() {
        let bytes = Array(#"{"a":"x"#.utf8) + [0xE2, 0x82] + Array(#""}"#.utf8)
        XCTAssertTrue(refusal(bytes).contains("at byte 9"))
    }

    func testTruncatedCharacterInsideANonASCIIRunIsRefused() {
        let bytes = Array("{\"a\":\"\u{4E2D}\u{6587}".utf8) + [0xE4, 0xB8] + Array(" \"}".utf8)
        XCTAssertTrue(refusal(bytes).contains("at byte 14"))
    }

    func testOverlongUTF8IsRefused() {
        for overlong: [UInt8] in [[0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xF0, 0x80, 0x80, 0xAF]] {
            _ = refusal(Array(#"{"a":""#.utf8) + overlong + Array(#""}"#.utf8))
        }
    }

    func testUTF8EncodedSurrogateAndCodePointsAbove10FFFFAreRefused() {
        for bad: [UInt8] in [[0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80]] {
            _ = refusal(Array(#"{"a":""#.utf8) + bad + Array(#""}"#.utf8))
        }
    }

    func testInvalidUTF8InSkippedValueIsRefused() {
        _ = refusal(Array(#"{"other":["#.utf8) + [0x22, 0xC3, 0x28, 0x22] + Array("]}".utf8))
    }

    func testInvalidUTF8OutsideStringsIsRefused() {
        _ = refusal([0x7B, 0xC3, 0xA9, 0x7D])
    }

    func testSurrogatePairEscapeDecodesToOneScalar() throws {
        XCTAssertEqual(try scan(#"{"text":"a\ud83d\ude00b"}"#).text, "a\u{1F600}b")
    }

    func testLoneSurrogateEscapesDecodeToReplacementCharacter() throws {
        XCTAssertEqual(try scan(#"{"text":"\ud800x\udc00\ud800\u0041"}"#).text, "\u{FFFD}x\u{FFFD}\u{FFFD}A")
    }

    // MARK: Fields

    func testDCLMRecordYieldsTextURLAndWARCDate() throws {
        let line = #"""
        {"text":"Line one.\nLine \"two\".","url":"https://a.example/x","metadata":{"WARC-Type":"response","WARC-Date":"2013-05-18T05:10:33Z","WARC-Record-ID":"<urn:uuid:1>","WARC-Target-URI":"https://b.example/y"},"warcinfo":"robots: classic","language_id_whole_page_fasttext":{"en":0.93},"previous_word_count":123}
        """#
        let fields = try scan(line)
        XCTAssertEqual(fields, JSONFields(text: "Line one.\nLine \"two\".", url: "https://a.example/x",
                                          warcDate: .string("2013-05-18T05:10:33Z")))
    }

    func testWARCTargetURIIsTheURLWhenURLIsMissing() throws {
        let fields = try scan(#"{"text":"t","metadata":{"WARC-Target-URI":"https://b.example/y"}}"#)
        XCTAssertEqual(fields.url, "https://b.example/y")
    }

    func testWebDatasetJSONYieldsCaptionIdentifiersAndTimestamp() throws {
        let member = #"""
        {"uid":"a1b2","key":"000000012","url":"http://img/1.jpg","caption":"a dog","sha256":"ab12","timestamp":"2019-03-04T05:06:07Z","id":"7","width":640,"exif":{"key":"not this"}}
        """#
        XCTAssertEqual(try scan(member), JSONFields(caption: "a dog", url: "http://img/1.jpg",
                                                    timestamp: .string("2019-03-04T05:06:07Z"), uid: "a1b2",
                                                    key: "000000012", id: "7", sha256: "ab12"))
    }

    func testTimeFieldsKeepTheirJSONType() throws {
        let fields = try scan(#"{"timestamp":1552000000,"date":"2019-03","year":"2019","month":3}"#)
        XCTAssertEqual(fields.timestamp, .number(1_552_000_000))
        XCTAssertEqual(fields.date, .string("2019-03"))
        XCTAssertEqual(fields.year, .string("2019"))
        XCTAssertEqual(fields.month, .number(3))
        let other = try scan(#"{"timestamp":true,"date":null,"year":[2019],"month":{"m":3}}"#)
        XCTAssertEqual(other.timestamp, .bool(true))
        XCTAssertEqual(other.date, .null)
        XCTAssertEqual(other.year, .other)
        XCTAssertEqual(other.month, .other)
    }

    func testEscapesInWantedStringsAreDecoded() throws {
        let fields = try scan(#"{"text":"q\" b\\ s\/ \b\f\n\r\t \u0041\u00e9\u2014 end"}"#)
        XCTAssertEqual(fields.text, "q\" b\\ s/ \u{8}\u{C}\n\r\t A\u{E9}\u{2014} end")
    }

    func testRawMultibyteTextIsKept() throws {
        XCTAssertEqual(try scan("{\"text\":\"caf\u{E9} na\u{EF}ve \u{4E2D}\u{6587} \u{1F600}\"}").text,
                       "caf\u{E9} na\u{EF}ve \u{4E2D}\u{6587} \u{1F600}")
    }

    func testSpecialBytesAtEveryPositionAreFoundAndDecoded() throws {
        let specials: [(raw: String, decoded: String)] = [
            (#"\n"#, "\n"), (#"\""#, "\""), (#"\u00e9"#, "\u{E9}"), ("\u{E9}", "\u{E9}"), ("\u{1F600}", "\u{1F600}"),
            ("\u{4E2D}\u{6587} \u{6570}", "\u{4E2D}\u{6587} \u{6570}"),
        ]
        for length in 0..<24 {
            for position in 0...length {
                for special in specials {
                    let prefix = String(repeating: "a", count: position)
                    let suffix = String(repeating: "b", count: length - position)
                    let fields = try scan("{\"text\":\"\(prefix)\(special.raw)\(suffix)\"}")
                    XCTAssertEqual(fields.text, prefix + special.decoded + suffix)
                }
            }
        }
    }

    func testRepeatedKeyTakesTheLastValue() throws {
        XCTAssertEqual(try scan(#"{"text":"first","text":"second"}"#).text, "second")
    }

    func testRepeatedKeyWithNonStringLastValueLeavesFieldNil() throws {
        XCTAssertNil(try scan(#"{"text":"first","text":42}"#).text)
    }

    func testRepeatedMetadataReplacesTheEarlierOne() throws {
        let fields = try scan(#"{"metadata":{"WARC-Date":"2013-05-18T05:10:33Z"},"metadata":{"other":1}}"#)
        XCTAssertNil(fields.warcDate)
    }

    func testNonStringTextLeavesFieldNil() throws {
        let fields = try scan(#"{"text":["a"],"caption":null,"url":5,"uid":{},"key":true,"id":1,"sha256":0}"#)
        XCTAssertEqual(fields, JSONFields())
    }

    func testNestedKeysNamedLikeFieldsAreIgnored() throws {
        let line = #"{"WARC-Date":"2019-01-01","a":{"text":"no","metadata":{"WARC-Date":"x"}},"b":[{"url":"u"}]}"#
        let fields = try scan(line)
        XCTAssertEqual(fields, JSONFields())
    }

    func testEscapedKeyMatchesItsField() throws {
        XCTAssertEqual(try scan(#"{"t\u0065xt":"yes"}"#).text, "yes")
    }

    func testMetadataThatIsNotAnObjectIsSkipped() throws {
        XCTAssertEqual(try scan(#"{"metadata":"WARC-Date","text":"t"}"#), JSONFields(text: "t"))
    }
}

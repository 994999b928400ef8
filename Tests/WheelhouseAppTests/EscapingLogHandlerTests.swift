import Logging
import Testing
@testable import WheelhouseApp

/// Issue 13: client values in the log can never start a line of their own.
@Suite struct EscapingLogHandlerTests {
    @Test func controlCharactersAreEscaped() {
        #expect(EscapingLogHandler.escape("x.whl\n2099-01-01 forged") == "x.whl\\n2099-01-01 forged")
        #expect(EscapingLogHandler.escape("a\r\tb\u{1b}[31m\u{7f}\u{85}\u{2028}") == "a\\r\\tb\\u{1b}[31m\\u{7f}\\u{85}\\u{2028}")
        #expect(EscapingLogHandler.escape("plain ünïcode ✓") == "plain ünïcode ✓")
    }

    @Test func metadataValuesAreEscapedAtEveryDepth() {
        let value: Logger.Metadata.Value = .dictionary([
            "filename": .string("a\nb"), "list": .array([.stringConvertible("c\rd")]),
        ])
        guard case .dictionary(let escaped) = EscapingLogHandler.escape(value) else {
            Issue.record("not a dictionary")
            return
        }
        #expect(escaped["filename"].map { "\($0)" } == "a\\nb")
        guard case .array(let list)? = escaped["list"], let first = list.first else {
            Issue.record("not an array")
            return
        }
        #expect("\(first)" == "c\\rd")
    }
}

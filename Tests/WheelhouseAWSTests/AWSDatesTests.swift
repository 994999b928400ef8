import Foundation
import Testing

@testable import WheelhouseAWS

@Suite struct AWSDatesTests {
    @Test func httpAndISODates() {
        let expected = Date(timeIntervalSince1970: 1_795_624_800)  // 2026-11-25T16:40:00Z
        #expect(AWSDates.httpDate("Wed, 25 Nov 2026 16:40:00 GMT") == expected)
        #expect(AWSDates.iso8601("2026-11-25T16:40:00.000Z") == expected)
        #expect(AWSDates.iso8601("2026-11-25T16:40:00.731Z") == expected)
        #expect(AWSDates.httpDate("yesterday") == nil)
        #expect(AWSDates.iso8601("2026-11-25") == nil)
    }
}

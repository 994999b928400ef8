import Foundation
import Testing

@testable import WheelhouseAWS

@Suite struct SigV4TimestampTests {
    @Test func timestampsAreUTC() {
        let suiteTime = SigV4Timestamp(Date(timeIntervalSince1970: 1_440_938_160))
        #expect(suiteTime.dateTime == "20150830T123600Z")
        #expect(suiteTime.day == "20150830")
        #expect(SigV4Timestamp(Date(timeIntervalSince1970: 951_782_399.9)).dateTime == "20000228T235959Z")
        #expect(SigV4Timestamp(Date(timeIntervalSince1970: 951_782_400)).dateTime == "20000229T000000Z")
        #expect(SigV4Timestamp(Date(timeIntervalSince1970: 951_868_800)).dateTime == "20000301T000000Z")
        #expect(SigV4Timestamp(Date(timeIntervalSince1970: 4_107_542_400)).dateTime == "21000301T000000Z")
        #expect(SigV4Timestamp(Date(timeIntervalSince1970: -1)).dateTime == "19691231T235959Z")
    }
}

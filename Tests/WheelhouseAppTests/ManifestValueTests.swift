import Testing
import WheelhouseAWS
import WheelhouseApp
import WheelhouseStorage

struct ManifestValueTests {
    @Test func tierBySizeNeverDowngradedNeverTruncated() throws {
        #expect(try ManifestValue.tier(forLength: 1, wheels: 1, current: nil) == .standard)
        #expect(try ManifestValue.tier(forLength: 4096, wheels: 1, current: nil) == .standard)
        #expect(try ManifestValue.tier(forLength: 4097, wheels: 1, current: nil) == .advanced)
        #expect(try ManifestValue.tier(forLength: 4097, wheels: 1, current: .standard) == .advanced)
        #expect(try ManifestValue.tier(forLength: 8192, wheels: 1, current: nil) == .advanced)
        #expect(try ManifestValue.tier(forLength: 10, wheels: 1, current: .advanced) == .advanced)
        #expect(throws: ManifestError.tooLarge(characters: 8193, wheels: 40)) {
            try ManifestValue.tier(forLength: 8193, wheels: 40, current: .advanced)
        }
        let message = ManifestError.tooLarge(characters: 8300, wheels: 41).description
        #expect(message.contains("8,300 characters (41 wheels)") && message.contains("--requirements") && message.contains("--format zip"))
    }

    @Test func uriBaseOfStoresAndOverrides() throws {
        let s3 = try StoreLocation(parsing: "s3://bucket-a/some/prefix?region=eu-west-1&endpoint=http://127.0.0.1:9000")
        #expect(ManifestValue.uriBase(of: s3) == "s3://bucket-a/some/prefix")
        #expect(ManifestValue.uriBase(of: try StoreLocation(parsing: "s3://bucket-a")) == "s3://bucket-a")
        #expect(ManifestValue.uriBase(of: try StoreLocation(parsing: "/srv/wheels")) == nil)
        #expect(try ManifestValue.parseURIBase("s3://bucket-b/x/y/") == "s3://bucket-b/x/y")
        for bad in ["https://bucket-b/x", "s3://", "s3://B/x", "s3://bucket-b/../x", "s3://bucket-b/x?region=us-east-1"] {
            #expect(throws: ManifestError.invalidURIBase(bad)) { try ManifestValue.parseURIBase(bad) }
        }
    }

    @Test func orderIsByProjectThenFilename() {
        func wheel(_ project: String, _ filename: String) -> StoreWheel {
            StoreWheel(project: project, filename: filename, version: "1", requiresPython: nil, requiresDist: [])
        }
        let wheels = [wheel("zeta", "zeta-1-py3-none-any.whl"), wheel("a-b", "a_b-2-py3-none-any.whl"), wheel("a", "a-1-py3-none-any.whl")]
        #expect(ManifestValue.ordered(wheels).map(\.project) == ["a", "a-b", "zeta"])
        #expect(ManifestValue.ordered(wheels) == ManifestValue.ordered(wheels.reversed()))
        #expect(wheels[1].key == "packages/a-b/a_b-2-py3-none-any.whl")
    }

    @Test func groupedDigits() {
        #expect(ManifestValue.grouped(0) == "0")
        #expect(ManifestValue.grouped(999) == "999")
        #expect(ManifestValue.grouped(8300) == "8,300")
        #expect(ManifestValue.grouped(1_234_567) == "1,234,567")
    }
}

// swift-tools-version:6.2
// libFuzzer targets for Wheelhouse's parsers (see README "Fuzzing"; `make fuzz`).
//
// A package of its own, so `swift build` and `swift test` of the repository never see it. The
// product sources are not copied: Sources/WheelhouseCore, Sources/WheelhouseArchive and
// Sources/CArchive here are symlinks to the repository's, and fuzz-multipart links the two
// WheelhouseApp files the upload form reader is made of. Build with
//   swift build -c release --scratch-path ../.build-fuzz --sanitize fuzzer --sanitize address
// (what `make fuzz` does); every executable is then a libFuzzer binary.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + dependencies,
        swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]
    )
}

let package = Package(
    name: "wheelhouse-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
    ],
    targets: [
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .target(name: "WheelhouseCore", swiftSettings: swiftSettings),
        .target(
            name: "WheelhouseArchive",
            dependencies: ["WheelhouseCore", "CArchive", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(name: "FuzzSupport", swiftSettings: swiftSettings),
        fuzzTarget("fuzz-filename", ["WheelhouseCore"]),
        fuzzTarget("fuzz-metadata", ["WheelhouseCore"]),
        fuzzTarget("fuzz-version", ["WheelhouseCore"]),
        fuzzTarget("fuzz-requirement", ["WheelhouseCore"]),
        fuzzTarget("fuzz-requirements-file", ["WheelhouseCore"]),
        fuzzTarget("fuzz-upstream-page", ["WheelhouseCore"]),
        fuzzTarget("fuzz-wheel", ["WheelhouseCore", "WheelhouseArchive"]),
        fuzzTarget("fuzz-sdist", ["WheelhouseCore", "WheelhouseArchive"]),
        fuzzTarget("fuzz-multipart", [
            "WheelhouseCore",
            .product(name: "MultipartKit", package: "multipart-kit"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
    ]
)

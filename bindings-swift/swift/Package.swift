// swift-tools-version:5.9
// The Swift package of brokerlink: the uniffi-generated Swift (Sources/Brokerlink, written by
// ../generate.sh) over the C module of the Rust library (Sources/BrokerlinkFFI: the generated
// header and module map). The library itself comes from one of two places:
//
//   - BrokerlinkFFI.xcframework beside this file: what apps use (build it on macOS with
//     ./build-xcframework.sh; see ../README.md);
//   - otherwise the library cargo built on this machine, for `swift test` during development:
//     libbrokerlink_ffi in $BROKERLINK_LIB_DIR (default ../../target/debug, from ../generate.sh).
import Foundation
import PackageDescription

let xcframework = "BrokerlinkFFI.xcframework"
let hasXCFramework = FileManager.default.fileExists(atPath: Context.packageDirectory + "/" + xcframework)
let libDir = Context.environment["BROKERLINK_LIB_DIR"] ?? Context.packageDirectory + "/../../target/debug"

let ffi: Target = hasXCFramework
    ? .binaryTarget(name: "BrokerlinkFFI", path: xcframework)
    : .target(
        name: "BrokerlinkFFI",
        path: "Sources/BrokerlinkFFI",
        linkerSettings: [
            .linkedLibrary("brokerlink_ffi"),
            .unsafeFlags(["-L", libDir, "-Xlinker", "-rpath", "-Xlinker", libDir]),
        ]
    )

let package = Package(
    name: "Brokerlink",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "Brokerlink", targets: ["Brokerlink"]),
    ],
    targets: [
        ffi,
        .target(name: "Brokerlink", dependencies: ["BrokerlinkFFI"], path: "Sources/Brokerlink"),
        .testTarget(name: "BrokerlinkTests", dependencies: ["Brokerlink"], path: "Tests/BrokerlinkTests"),
    ]
)

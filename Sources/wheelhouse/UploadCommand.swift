import ArgumentParser

struct UploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Ingest wheels and sdists (files or folders), validating each."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("upload")
    }
}

import ArgumentParser

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Govern projects: their PEP 792 status.",
        subcommands: [ProjectStatusCommand.self]
    )
}

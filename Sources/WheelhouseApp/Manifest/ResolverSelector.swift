import WheelhouseCore

/// Selects a manifest's wheels with WheelhouseCore's resolver.
struct ResolverSelector: ManifestSelector {
    let target: ManifestTarget
    let roots: [Requirement]?

    init(target: ManifestTarget, roots: [Requirement]?) throws {
        self.target = target
        self.roots = roots
    }

    var targetDescription: String { target.description }

    func select(from wheels: [StoreWheel]) throws(ManifestError) -> ManifestSelection {
        throw .unresolvable(message: "the resolver is not part of this build yet")
    }
}

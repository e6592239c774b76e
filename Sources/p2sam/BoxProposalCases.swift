import ArgumentParser

/// Which cases `p2sam train --box-proposal-only` fits a model's box proposal on (`--box-proposal-cases`).
enum BoxProposalCases: String, CaseIterable, Sendable, ExpressibleByArgument {
    /// The model's own training cases (the default): its masks there are better than on new images, so the
    /// fitted offsets and σ can be optimistic.
    case training
    /// The cases of `--validation-split` (images the model was not trained on): the fit reflects the model's
    /// errors on new images.
    case validation
}

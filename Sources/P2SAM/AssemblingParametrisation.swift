/// How the 8 assembling weights are parametrised during training (all 8 are stored either way, and
/// inference uses the stored values as they are).
public enum AssemblingParametrisation: String, Sendable, Codable, CaseIterable {
    /// Eight free weights, initialised to 1/8.
    case free
    /// P²SAM's official form: `w_0 = 1 − Σ w_{1…7}`; only w_1…w_7 are optimised.
    case official
    /// No assembling (the "stage 1 without assembling" ablation): w fixed to (1, 0, …, 0), never
    /// trained, so the output is mask token 1's logits alone.
    case single
}

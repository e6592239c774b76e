// `import P2SAMKit` gives the whole public API of the library: one import for applications.
//
// | module | holds |
// |---|---|
// | SAMTensor | float32 tensors, GEMM, convolutions, norms, `Parallel` |
// | TorchCheckpoint | `.pth` (zip + restricted pickle), `.npy`/`.npz`, safetensors, SHA-256 |
// | SAMAutograd | reverse-mode autograd: the tape, primitives, losses, saving parameters |
// | SAMLayers | layers declaring their PyTorch keys, `WeightStore`, `TapeFree` and `Recording` contexts |
// | Optimisers | Adam/AdamW, `ReduceLROnPlateau`, sharpness-aware minimisation, uncertainty weighting, clipping, NaN guard |
// | Training | the generic `Trainer` (selection, steps, LR schedules, epochs, keep-best, resume), `EmbeddingCache` |
// | SeededSampling | `SeededRandom` (GSL mt19937, explicit seeds) |
// | MedImageIO | PNG, resize kernels, prompt geometry, overlays, heat maps |
// | LiteMedSAM | encoder, prompt encoder, decoder, pre/post-processing, `LiteMedSAMPredictor` |
// | MultiRaterMetrics | GED, HM-IoU, D_max, D_mean, diversities, calibration |
// | MultiRaterData | dataset readers, splits, synthetic cases |
// | PromptUncertainty | UR-SAM, MedSAM-U |
// | Evaluation | the `EvaluationMethod` protocol, `EvaluationRunner`, per-case records, `EvaluationReport` |
// | P2SAM | P²SAM model file, PGN, `P2SAMSampler` |
// | P2SAMTraining | P²SAM training: stages 1 and 2 as recipes on `Trainer` |
// | ShardedRuns | dataset runs in shards: per-case seeds, JSON Lines records, resume, merge |
// | AutoMedSAM | class prompt encoder, AutoMedSAM model file, prompt-free class segmentation |
// | AutoMedSAMTraining | AutoMedSAM training: the recipe on `Trainer` |
@_exported import AutoMedSAM
@_exported import AutoMedSAMTraining
@_exported import Evaluation
@_exported import LiteMedSAM
@_exported import MedImageIO
@_exported import MultiRaterData
@_exported import MultiRaterMetrics
@_exported import Optimisers
@_exported import P2SAM
@_exported import P2SAMTraining
@_exported import PromptUncertainty
@_exported import SAMAutograd
@_exported import SAMLayers
@_exported import SAMTensor
@_exported import SeededSampling
@_exported import ShardedRuns
@_exported import TorchCheckpoint
@_exported import Training

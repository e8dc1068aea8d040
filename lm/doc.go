// Package lm is a recurrent language model: an embedding, a stacked RNN of
// any cell (LSTM, GRU, Elman, ...), and a linear decoder over the
// vocabulary, optionally tied to the embedding. It trains with truncated
// backpropagation through time on contiguous streams (the recurrent state
// is carried from chunk to chunk), evaluates loss, perplexity and bits per
// token, samples text (temperature, top-k, top-p, seeded), scores lines, and
// saves and resumes checkpoints exactly.
//
// Parameter names follow PyTorch (torch.nn.Embedding, torch.nn.LSTM/GRU/RNN,
// torch.nn.Linear) inside a module with attributes embedding, rnn and
// decoder:
//
//	embedding.weight            [V, E]
//	rnn.weight_ih_l{k}          [G*H, E or H]   (G = 4 LSTM, 3 GRU, 1 RNN)
//	rnn.weight_hh_l{k}          [G*H, H]
//	rnn.bias_ih_l{k}, rnn.bias_hh_l{k}  [G*H]
//	decoder.weight              [V, H]
//	decoder.bias                [V]
//
// With tied weights decoder.weight is the same tensor as embedding.weight
// (E must equal H) and is stored once, as embedding.weight, in the
// safetensors file; PyTorch's load_state_dict with strict=False plus
// model.decoder.weight = model.embedding.weight restores it.
//
// ImportPyTorch reads such a state_dict saved by torch.save (zip or
// legacy format, without running code from the file) or with safetensors
// (safetensors.torch.save_file(model.state_dict(), path)) and infers the
// architecture from the shapes; testdata/gen_torch_import.py and
// testdata/gen_pytorch_import.py write the files the tests compare logits
// against (to 1e-5).
//
// Model.Quantize makes a model for int8 inference (PyTorch's
// quantize_dynamic scheme): the weight matrices become int8 with per-row
// scales, activations are quantized per step, and Sample, Score and
// Evaluate run int8 products. Its checkpoint says "quantized": "int8" and
// stores those matrices as I8 tensors with NAME.scale F32 row scales.
//
// Training is reproducible and resumable bit for bit: the weights are
// drawn from a generator seeded by New's seed, and the dropout masks of
// step s are drawn from generators reseeded with (TrainConfig.Seed, s), so
// no generator state needs saving. A training checkpoint holds the
// parameters, the optimizer buffers, the recurrent state carried into the
// next chunk and the position (epoch, chunk, step), and Resume checks that
// the token streams are the same (length and FNV-64 hash).
//
// A training run from files, as recurrent lm train makes it: NewRun builds
// the tokenizer (TokenizerOptions), reads the token streams and the
// vocabulary (DataOptions) and returns a Trainer of a new model; ResumeRun
// reopens a checkpoint on the same files, and ResumeSettings and
// Trainer.Reconfigure say which settings must keep the checkpoint's values
// and apply those that may change. Trainer.RunSummary runs it, draws the
// loss curves (WritePlot) and returns a Summary (JSON, or WriteText). The
// conditional model's twins are NewCondRun, ResumeCondRun and
// LabelledFiles; CondModel.Report evaluates it on labelled sentences.
package lm

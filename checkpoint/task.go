package checkpoint

import "github.com/recurrent-go/recurrent/nn"

// TaskConfig is the config.json of a task's checkpoint (lm, classify,
// tag, seq2seq): the model's configuration and, in a training checkpoint,
// the training configuration.
type TaskConfig[M, T any] struct {
	Model M  `json:"model"`
	Train *T `json:"train,omitempty"`
}

// OpenTask opens the task checkpoint dir (Load), reads config.json as a
// TaskConfig and checks the sizes dims gives for the model configuration
// against the shapes of model.safetensors (CheckDims), so that a model can
// be built from the configuration without allocating sizes the weights do
// not have. LoadTask goes on to build the model and read its weights.
func OpenTask[M, T any](dir string, dims func(*M) []Dim) (*Checkpoint, *TaskConfig[M, T], error) {
	ck, err := Load(dir)
	if err != nil {
		return nil, nil, err
	}
	var fc TaskConfig[M, T]
	if err := ck.ReadJSON(ConfigFile, &fc); err != nil {
		return nil, nil, err
	}
	if err := ck.CheckDims(ModelFile, dims(&fc.Model)...); err != nil {
		return nil, nil, err
	}
	return ck, &fc, nil
}

// LoadTask reads the model of a task checkpoint: it opens dir and checks
// its config.json (OpenTask), lets build construct the model from the
// checkpoint (its vocabularies) and the model configuration, and reads
// model.safetensors into the parameters build returns. The training
// configuration is nil for a model-only checkpoint.
func LoadTask[M, T, Model any](dir string, dims func(*M) []Dim, build func(*Checkpoint, M) (Model, []*nn.Param, error)) (Model, *Checkpoint, *T, error) {
	var zero Model
	ck, fc, err := OpenTask[M, T](dir, dims)
	if err != nil {
		return zero, nil, nil, err
	}
	m, ps, err := build(ck, fc.Model)
	if err != nil {
		return zero, nil, nil, err
	}
	if _, err := ck.ReadParams(ModelFile, ps); err != nil {
		return zero, nil, nil, err
	}
	return m, ck, fc.Train, nil
}

// TaskFiles returns a task checkpoint's files besides the weights:
// config.json (a TaskConfig of model and train, train nil in a model-only
// checkpoint), vocab.json and the task's extra files.
func TaskFiles[M, T any](model M, train *T, vocab any, extra ...File) []File {
	return append([]File{JSONFile(ConfigFile, TaskConfig[M, T]{Model: model, Train: train}), JSONFile(VocabFile, vocab)}, extra...)
}

// SaveModel writes a model checkpoint to dir, atomically (Save): files
// and the parameters as model.safetensors with the metadata meta.
func SaveModel(dir string, files []File, ps []*nn.Param, meta map[string]string) error {
	return Save(dir, append(files, ParamsFile(ModelFile, ps, meta))...)
}

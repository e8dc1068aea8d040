// Package train is the one training loop of recurrent: every task (the
// language model, the conditional language model, the classifier, the
// tagger and the encoder-decoder) supplies only what is its own through
// the Task interface, and the Loop does the rest the same way for all of
// them:
//
//   - budgets: epochs and/or a step budget and/or a time limit. A step
//     budget means exactly that many optimizer steps; epochs are then
//     unbounded unless given; with several limits the first one reached
//     stops the run, and Result.Stop (and the StopEvent) says which. A
//     run that ends on a budget evaluates and saves there, and that
//     evaluation counts like any other (best model, patience, plateau),
//     so a run resumed with a larger budget can end with other best
//     weights than one given the larger budget from the start; a
//     cancelled run does not evaluate, and resumes exactly.
//   - evaluation every Options.EvalEvery steps and after every epoch, with
//     model selection (the best evaluation's parameters are kept and saved
//     as the model) and early stopping after Options.Patience evaluations
//     in a row without improvement (nn.EarlyStopping).
//   - learning-rate schedules: any optim.Schedule (step decay, linear,
//     cosine, inverse time) by step or by epoch, a multiplicative decay at
//     the end of each epoch, and annealing on a plateau of the evaluation
//     (optim.ReduceLROnPlateau).
//   - gradient clipping and the divergence rule (see Options.DivergeFactor):
//     a non-finite loss, or one above DivergeFactor times the lowest running
//     median of recent losses (at least 1 nat), stops the run with an error
//     wrapping ErrDiverged; nothing diverged is saved, so the checkpoint
//     directory keeps the last good checkpoint, and no file the loop writes
//     ever holds a non-finite number.
//   - checkpoints (Loop.Save, Resume): one directory holding the task's own
//     files (Task.Files: config, vocabularies, extra state), the best
//     parameters as model.safetensors (what --model DIR loads), the latest
//     as last.safetensors, the optimizer state and state.json (position,
//     best evaluation, early-stopping and plateau counters, loss history,
//     divergence window, and a fingerprint of every data set, so that a
//     resume on different data is refused).
//   - cancellation: when ctx is cancelled the loop saves the exact position
//     reached (Options.Dir) and returns ctx's error; Resume continues as if
//     never interrupted, bit for bit, because the task's batches are a
//     function of (seed, epoch) and its randomness of the step number.
//   - typed progress events (StepEvent, EvalEvent, LREvent, EpochEvent,
//     CheckpointEvent, StopEvent) delivered to Options.Progress; the library
//     never prints or exits.
//
// # How a task plugs in
//
// A task implements Task (and Restorer if it carries extra state, as the
// language model carries its recurrent state between chunks), builds its
// optimizer with optim.New, and calls New for a fresh run or Resume to
// continue a checkpoint:
//
//	loop, err := train.New(task, opt, train.Options{Epochs: 3, Clip: 5, Dir: dir})
//	res, err := loop.Run(ctx)
//
// Task.Step is called with zeroed gradients and returns the batch's mean
// loss after its backward pass; the loop then clips, checks divergence and
// steps the optimizer. The package Example is a complete task; the task
// packages' own (lm's lmTask, classify's task, ...) are unexported, held
// by their Trainer.
//
// # Names
//
// One name per concept across the task packages: Position (Epoch, Batch,
// Step) is where training stands; Eval is an evaluation's result, with
// Loss, Score (higher is better: -loss, accuracy, F1, exact match) and named
// Metrics; Result is what a Run returns; New builds, Resume reopens.
//
// A task package (lm, classify, tag, ...) follows the same words:
//
//   - New builds a Model, Load reads one from a checkpoint directory (its
//     best weights), Model.Save writes one.
//   - TrainConfig is the training configuration stored in config.json
//     (checkpoint.TaskConfig); Epochs and MaxSteps are its budget.
//   - Trainer trains a Model on the Loop: NewTrainer starts, Resume(dir,
//     data...) continues (through ResumeTask, which rejects a model
//     checkpoint without training state); Trainer.Run(ctx, progress func(Event)) returns
//     the package's Result, train.Result plus Valid, the last validation's
//     Metrics. classify.Trainer and tag.Trainer embed TaskTrainer (Model,
//     Config, Best, Run) and through it Runner (Dir, Overwrite, Pos, Loop,
//     Save); their Setup reads a run's files and builds or resumes it, and
//     its Session trains and gives a TaskSummary.
//   - Metrics are an evaluation's figures in the task's own terms
//     (lm.Metrics: loss, perplexity, bits; classify.Metrics: loss,
//     accuracy; tag.Metrics: conlleval's precision, recall, F1);
//     MetricsOf(*Eval) recovers them from an Eval the task made.
//   - Position is train.Position everywhere (lm.Position is an alias).
//   - A setting asked for on resuming is a train.Setting (Name, Now,
//     Saved) in every package, checked by train.CheckResume.
//
// The encoder-decoder follows the task packages' words: seq2seq.New builds
// a Model, Load reads one, NewTrainer starts and Resume continues a
// Trainer. The label-conditioned language model lives in package lm with
// the prefix Cond, since lm's New and Trainer are the plain model's:
// NewCond, LoadCond, CondTrainer, NewCondTrainer, ResumeCond, CondData,
// CondTrainConfig (stored in cond_train.json: its config.json is the
// CondConfig alone). Every trainer has Pos (not Position), Loop, Save and
// Run(ctx, progress func(Event)); per-epoch reports are the loop's
// EpochEvent and EvalEvent (no EpochMetrics or CondEpoch); MaxSteps is the
// step budget of every TrainConfig.
package train

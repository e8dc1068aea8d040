// Package nn holds recurrent's layers: each a Forward/Backward pair over a
// whole batch of sequences, time-major [T, B, *], with working memory
// allocated once and reused. Parameter names and layouts are PyTorch's, so a
// state_dict maps one to one.
package nn

"""Running compiled packages on this machine: the engine (Argo's semantics), the backends
(host processes, Docker), the run store and the step cache."""

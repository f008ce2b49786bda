"""What `yamlpipe.Client` talks to: KFP's v1beta1 REST API, Argo Server's REST API, or the
local run store and runner. Each backend takes validated packages and answers with KFP's
records; checking files and arguments happens above, in `yamlpipe.api.client`."""

"""KFP's v1beta1 API objects, shared by the Client (which reads them) and the server (which
writes them): the records, their JSON on the wire, list paging, errors, and how the run
store's records read as them."""

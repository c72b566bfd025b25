module timewait-lab/clients/go

go 1.19

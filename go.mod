module github.com/provsim/provsim

go 1.26.8

require (
	github.com/google/uuid v1.6.0
	github.com/gorilla/mux v1.8.1
	github.com/scim2/filter-parser/v2 v2.3.1
)

require (
	github.com/okta/okta-sdk-golang/v5 v5.0.2 // indirect
	github.com/q-uint/parser v0.3.1 // indirect
)

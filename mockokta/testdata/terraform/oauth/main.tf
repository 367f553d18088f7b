terraform {
  required_providers {
    okta = { source = "okta/okta" }
  }
}

variable "client_id" {
  type = string # the service app's client id (docs/oauth.md)
}

provider "okta" {
  org_name       = "dev-okta"
  base_url       = "okta.com"
  client_id      = var.client_id
  private_key_id = "tf1"
  private_key    = "key.pem" # the private half; mockokta holds only the public key
  scopes         = ["okta.users.manage", "okta.groups.manage", "okta.apps.manage"]
  http_proxy     = "http://127.0.0.1:8080"
}

data "okta_group" "everyone" {
  name = "Everyone"
}

data "okta_app_saml" "atlassian" {
  label = "Atlassian Cloud"
}

resource "okta_group" "jira" {
  name        = "atlassian-test-jira-users"
  description = "People who use Jira"
}

resource "okta_user" "ada" {
  first_name = "Ada"
  last_name  = "Lovelace"
  login      = "ada@example.com"
  email      = "ada@example.com"
  department = "Engineering"
}

resource "okta_user" "grace" {
  first_name = "Grace"
  last_name  = "Hopper"
  login      = "grace@example.com"
  email      = "grace@example.com"
  department = "Research"
}

resource "okta_group_rule" "engineers" {
  name              = "Engineers use Jira"
  status            = "ACTIVE"
  group_assignments = [okta_group.jira.id]
  expression_type   = "urn:okta:expression:1.0"
  expression_value  = "user.department == \"Engineering\""
}

resource "okta_group_memberships" "jira" {
  group_id = okta_group.jira.id
  users    = [okta_user.grace.id]
}

resource "okta_app_group_assignment" "jira" {
  app_id   = data.okta_app_saml.atlassian.id
  group_id = okta_group.jira.id
}

resource "okta_push_group" "jira" {
  app_id                         = data.okta_app_saml.atlassian.id
  source_group_id                = okta_group.jira.id
  status                         = "ACTIVE"
  delete_target_group_on_destroy = true
}

terraform {
  required_providers {
    okta = { source = "okta/okta" }
  }
}

provider "okta" {
  org_name   = "dev-okta"
  base_url   = "okta.com"
  api_token  = "dev-okta-token"
  http_proxy = "http://127.0.0.1:8080"
}

# Contractors may not sign in to the app; everybody else may (the policy's
# catch-all rule allows).
resource "okta_group" "contractors" {
  name        = "atlassian-contractors"
  description = "Contractors: no Atlassian sign-in"
}

resource "okta_app_signon_policy" "atlassian" {
  name        = "Atlassian sign-in"
  description = "Who may sign in to Atlassian Cloud"
}

resource "okta_app_signon_policy_rule" "no_contractors" {
  policy_id       = okta_app_signon_policy.atlassian.id
  name            = "No contractors"
  priority        = 1
  access          = "DENY"
  groups_included = [okta_group.contractors.id]
}

resource "okta_app_signon_policy_rule" "engineers" {
  policy_id                   = okta_app_signon_policy.atlassian.id
  name                        = "Engineers, once a day"
  priority                    = 2
  access                      = "ALLOW"
  factor_mode                 = "1FA"
  re_authentication_frequency = "PT24H"
  users_excluded              = []
  network_connection          = "ANYWHERE"
  depends_on                  = [okta_app_signon_policy_rule.no_contractors]
}

resource "okta_app_saml" "example" {
  label                    = "Example SAML app"
  sso_url                  = "https://sp.example.com/acs"
  recipient                = "https://sp.example.com/acs"
  destination              = "https://sp.example.com/acs"
  audience                 = "https://sp.example.com/entity"
  subject_name_id_template = "$${user.userName}"
  subject_name_id_format   = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
  response_signed          = true
  signature_algorithm      = "RSA_SHA256"
  digest_algorithm         = "SHA256"
  authn_context_class_ref  = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
  authentication_policy    = okta_app_signon_policy.atlassian.id
}

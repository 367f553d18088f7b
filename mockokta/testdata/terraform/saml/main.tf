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

# A custom SAML 2.0 app: only the response is signed, with RSA-SHA256, and
# the assertion carries the email and the person's atlassian-* groups.
resource "okta_app_saml" "example" {
  label                    = "Example SAML app"
  sso_url                  = "https://sp.example.com/acs"
  recipient                = "https://sp.example.com/acs"
  destination              = "https://sp.example.com/acs"
  audience                 = "https://sp.example.com/entity"
  subject_name_id_template = "$${user.userName}"
  subject_name_id_format   = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
  response_signed          = true
  assertion_signed         = false
  signature_algorithm      = "RSA_SHA256"
  digest_algorithm         = "SHA256"
  authn_context_class_ref  = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"

  attribute_statements {
    name   = "email"
    values = ["user.email"]
  }
  attribute_statements {
    type         = "GROUP"
    name         = "groups"
    filter_type  = "STARTS_WITH"
    filter_value = "atlassian-"
  }
}

//! The HTML pages: error pages, the login and consent form, Phorge's continue page.

use crate::http::Response;

/// An HTML error page; used when the client cannot safely be redirected to.
pub(crate) fn error(status: u16, message: &str) -> Response {
    let body = format!("<h1>Error</h1>\n<p id=\"error\">{}</p>", escape(message));
    Response::html(status, page("Error", &body))
}

/// The login and consent form that posts to `/_dev/consent`.
pub(crate) fn consent(request_id: &str, profile: &str, client_id: &str, scope: &str) -> Response {
    let body = format!(
        "<h1>Sign in ({profile})</h1>\n\
         <p>The application <code>{client}</code> asks for access{scope}.</p>\n\
         <form method=\"post\" action=\"/_dev/consent\">\n\
         <input type=\"hidden\" name=\"request_id\" value=\"{id}\">\n\
         <label>Username <input type=\"text\" id=\"username\" name=\"username\" value=\"demo\"></label>\n\
         <label>Password <input type=\"password\" id=\"password\" name=\"password\"></label>\n\
         <button type=\"submit\" id=\"approve\" name=\"action\" value=\"approve\">Approve</button>\n\
         <button type=\"submit\" id=\"deny\" name=\"action\" value=\"deny\">Deny</button>\n\
         </form>",
        profile = escape(profile),
        client = escape(client_id),
        scope = if scope.is_empty() { String::new() } else { format!(" to <code>{}</code>", escape(scope)) },
        id = escape(request_id),
    );
    Response::html(200, page("Sign in", &body)).header("Cache-Control", "no-store")
}

/// Phorge's page after approval: a link back to the application.
pub(crate) fn continue_to(url: &str) -> Response {
    let body = format!(
        "<h1>Authorization granted</h1>\n\
         <p><a id=\"continue\" href=\"{}\">Continue to application</a></p>",
        escape(url)
    );
    Response::html(200, page("Authorized", &body)).header("Cache-Control", "no-store")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title} - authflow devserver</title></head>\n\
         <body>\n{body}\n</body></html>\n"
    )
}

/// Escapes text for HTML element content and quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

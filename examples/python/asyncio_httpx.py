"""The sans-IO API with asyncio and httpx.AsyncClient: authflow builds requests and checks answers, httpx sends them.

Against the devserver (generic RFC 6749 profile): authorization URL, the browser's
redirect back, the code exchange, an API call, a refresh. No HTTP happens in authflow.
"""

import asyncio

import httpx

import authflow
from _common import DevServer


async def send(http, request):
    """Any HTTP client will do; never follow redirects on token requests."""
    r = await http.request(request.method, request.url, headers=request.headers, content=request.body,
                           follow_redirects=False)
    return r.status_code, r.headers, r.content


async def main():
    with DevServer() as server:
        provider = authflow.Provider.generic(f"{server.url}/authorize", f"{server.url}/token")
        provider.issuer = server.url
        config = authflow.ClientConfig(provider, "generic-basic-client", "http://127.0.0.1:8765/callback",
                                       client_secret="generic-basic-secret-5c8e1f", scopes=["openid", "profile"])
        async with httpx.AsyncClient() as http:
            flow = authflow.Flow.start(config)
            print("state:", flow.state)
            # A web backend would redirect the user; here the "browser" is httpx too.
            approved = await http.get(flow.authorization_url, follow_redirects=False)
            callback = approved.headers["location"]

            # ... later, possibly in another process: the pending flow travels as JSON.
            flow = authflow.Flow.from_json(config, flow.to_json())
            flow.callback(callback)
            print("state:", flow.state)
            flow.exchange_response(*await send(http, flow.exchange_request()))
            print("state:", flow.state, "| scope:", flow.tokens.scope, "| warnings:", flow.warnings)

            userinfo = flow.authorize(authflow.HttpRequest.get(f"{server.url}/userinfo"))
            status, _, body = await send(http, userinfo)
            print("userinfo:", status, body.decode())

            old = flow.tokens.refresh_token
            flow.refresh_response(*await send(http, flow.refresh_request()))
            print("refreshed:", flow.state, "| rotated:", flow.tokens.refresh_token != old)


if __name__ == "__main__":
    asyncio.run(main())

# Ported from https://github.com/restatedev/examples,
# python/end-to-end-applications/food-ordering/app/ordering/clients/payment_client.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

class PaymentClient:
    def charge(self, token, amount) -> bool:
        print(f"[{id}] Executing payment with token {token} for ${amount}")
        return True

"""Attack tests: permissions, stored XSS, hostile uploads, CSRF, password reset, secrets in logs."""

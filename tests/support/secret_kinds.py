# ruff: noqa: E501  (a sample is a real line of text; splitting it would hide what it looks like)
"""The redaction table: every kind of secret hitl must redact, each with a realistic sample.

This table is the test. `tests/unit/test_redact_table.py` redacts each sample on its own; the end-to-end test
(`tests/integration/test_secrets_never_leak.py`) sends all of them through the operator's chat, host output,
plan titles, purposes and notes with the real SDK against the fake Messages API, then looks for each secret in
every request body and in every file hitl wrote. All values are made up for this table.

A sample is the text as it appears (a command line, a config file, a header, output), `secrets` the parts that
must disappear, `keep` a part that must survive (so redaction stays narrow enough to be useful).
"""

from __future__ import annotations

import base64
from typing import NamedTuple


class SecretKind(NamedTuple):
    kind: str
    text: str
    secrets: tuple[str, ...]
    keep: str | None = None


def _pem(label: str, lines: tuple[str, ...]) -> str:
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"


_B64 = (
    "puALwim9olneWIBzRzGsrZHWDYlFtuLEBD47XWDW2M/EKnBlTbqbarNkzZJcro98",
    "ZAVuo55zm20TAskbiT6J9XOWnBEwtgYPYZz+UBBksrd53Ct3ehDexdYXx03FF7+T",
    "P1YnFNRb0NXfg/b9ueZ1W6sojjonkVREMC12cqZmrK3pwfNhm3U9lTb2teKs61YI",
    "1mt4nQQ/yOWDo+BDKmfHGZmHOwLdRO9Cr6bGbYpaTw6oIxAqAJSz2L2CPJoDWBea",
    "5zpYIMK8W+ngDf3MZAOEd/kglNTGx6livxTX5LP0qP5CRK+ZOgPTycucoY/0to1U",
    "WSuJbOYr6Ih9B9r7jP97PRshLCXfNW/UgejQRsbv8zQSQRbJugPIMj1mV3MGbYPv",
    "EQNy4eNlSyXklwR01HtAjxCzyq4f3koPMKvkQTI2vXwveNA6MMZQCDTLaFptqw93",
    "oD5m8ESJP7WvzLP7+GkSnxR2h1NDqeFlJPy+4j+YZsaGrTHGDvpGW3PXhG3pj7Vv",
)
PEM_RSA = _pem("RSA PRIVATE KEY", ("MIIEowIBAAKCAQEA" + _B64[0][16:], _B64[1]))
_TLS_KEY_B64 = base64.b64encode(PEM_RSA.encode()).decode()
_DOCKER_AUTH = base64.b64encode(b"ci-bot:Dkr-Cfg-Pass-5521").decode()
_K8S_PASSWORD = base64.b64encode(b"Kube-Secret-Pw-8812").decode()

TABLE: tuple[SecretKind, ...] = (
    # --- private keys -------------------------------------------------------------------------------------
    SecretKind(
        "PEM RSA private key", f"$ cat /etc/ssl/private/app.key\n{PEM_RSA}\n$ echo done", (_B64[1],), "echo done"
    ),
    SecretKind("PEM EC private key", _pem("EC PRIVATE KEY", (_B64[2],)) + "\nok", (_B64[2],), "ok"),
    SecretKind("PKCS#8 private key", "key:\n" + _pem("PRIVATE KEY", (_B64[3], _B64[4])), (_B64[3], _B64[4]), "key:"),
    SecretKind("encrypted PKCS#8 key", _pem("ENCRYPTED PRIVATE KEY", (_B64[5],)), (_B64[5],)),
    SecretKind(
        "OpenSSH private key",
        _pem("OPENSSH PRIVATE KEY", ("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ" + _B64[6][:20],)),
        ("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",),
    ),
    SecretKind(
        "PGP private key block",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF" + _B64[7] + "\n=Xq3v\n-----END PGP PRIVATE KEY BLOCK-----",
        (_B64[7],),
    ),
    SecretKind(
        "PuTTY private key",
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy@bastion\nPublic-Lines: 2\n"
        "AAAAC3NzaC1lZDI1NTE5AAAAIHcXk9\nQmBq3vT7\nPrivate-Lines: 1\nAAAAIBn5Kq3wz8PutTyPrivLine0xYz\n"
        "Private-MAC: 1757e026e9dca8325847bebea104b9c5ea50b9b7fcf9fc3a328c75fcea578383",
        ("AAAAIBn5Kq3wz8PutTyPrivLine0xYz", "1757e026e9dca8325847bebea104b9c5"),
        "Comment: deploy@bastion",
    ),
    SecretKind(
        "age secret key", "AGE-SECRET-KEY-1F2SBIORIWFVTNMYK2RB9COEQXG1D8T2LRNOW8HRQO7VY1VETMCUQGA7UIL", ("F2SBIORIWFV",)
    ),
    SecretKind(
        "WireGuard private key",
        "[Interface]\nPrivateKey = omWThz+Jqjnk80NvLUPr70hUDEKl/WSK2gIPxIMnXfs=\nListenPort = 51820",
        ("omWThz+Jqjnk80",),
        "ListenPort = 51820",
    ),
    # --- credential files -----------------------------------------------------------------------------------
    SecretKind(
        ".netrc line", "machine ci.example.net login builder password Vq3!xN9#wLp2", ("Vq3!xN9#wLp2",), "login builder"
    ),
    SecretKind(
        ".netrc block",
        "machine registry.internal\n  login deploy\n  password Tr0ub4dor&3x\n",
        ("Tr0ub4dor&3x",),
        "login deploy",
    ),
    SecretKind(".pgpass line", "db-prod.internal:5432:orders:orders_app:Hj7$kPq2!vZ", ("Hj7$kPq2!vZ",), "orders_app"),
    SecretKind(
        "shadow SHA-512 hash",
        "root:$6$h.GYKiWZnaC.MvO3$Sr7PwqY1pWBGV8R9F8vFA.0TMWJnMfm7SUDO75UuJv2TE1eEgBBlD9qIxqQq6nDBPoGAvzEHovbWQu/llGONhZ:19700:0:99999:7:::",
        ("Sr7PwqY1pWBGV8R9F8vFA", "h.GYKiWZnaC.MvO3"),
        "root:",
    ),
    SecretKind(
        "shadow yescrypt hash",
        "deploy:$y$j9T$YubEgFmokuYATEtXLCE/OT$sbBlNRTz1HLJXZGG1yXj2/vEgNYY3akQ2.alAL2K1sW:19800:0:99999:7:::",
        ("sbBlNRTz1HLJXZGG1yXj2",),
        "deploy:",
    ),
    SecretKind(
        "htpasswd bcrypt line",
        "alice:$2y$05$U1rEqptfJYw2TFtLxgy6awZdgs3YYWmrr1T.ZXgiPYLqdjFQVwDPN",
        ("U1rEqptfJYw2TFtLxgy6",),
        "alice:",
    ),
    SecretKind("htpasswd apr1 line", "bob:$apr1$V5ZSWw6U$1wLZdAVSy2BeYcyxes24su", ("1wLZdAVSy2BeYcyxes24su",), "bob:"),
    SecretKind(
        "argon2 hash",
        "hash = $argon2id$v=19$m=65536,t=3,p=4$cFX3QjJLyH5nGnFG7XSAPE$1oWwwh1bGny1Y6OS8u697baDcyCJrPtxyVyUoXFGsvW",
        ("1oWwwh1bGny1Y6OS8u697",),
    ),
    SecretKind("LDAP SSHA hash", "rootpw {SSHA}cmBPfP6pHiLqAyd+br+G7IEphh6sZ+MF", ("cmBPfP6pHiLqAyd",), "rootpw"),
    SecretKind(
        "nslcd bind password", "binddn cn=nslcd,dc=example,dc=com\nbindpw Nslcd-B1nd-Pw", ("Nslcd-B1nd-Pw",), "binddn"
    ),
    SecretKind(
        "redis requirepass",
        "maxmemory 2gb\nrequirepass Redis-C0nf-Pw\nmasterauth Redis-Mast3r-Pw",
        ("Redis-C0nf-Pw", "Redis-Mast3r-Pw"),
        "maxmemory 2gb",
    ),
    SecretKind(
        "wpa_supplicant psk",
        'network={\n    ssid="office"\n    psk="W1fi-Passphrase-77"\n}',
        ("W1fi-Passphrase-77",),
        'ssid="office"',
    ),
    SecretKind(
        "Kubernetes Secret (YAML, base64 tls.key)",
        f"apiVersion: v1\ndata:\n  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n  tls.key: {_TLS_KEY_B64}\nkind: Secret\n"
        "metadata:\n  name: web-tls\ntype: kubernetes.io/tls",
        (_TLS_KEY_B64[:40],),
        "name: web-tls",
    ),
    SecretKind(
        "Kubernetes Secret (JSON data)",
        '{"apiVersion": "v1", "kind": "Secret", "data": {"db-conn": "' + _K8S_PASSWORD + '"}, "type": "Opaque"}',
        (_K8S_PASSWORD,),
        '"type": "Opaque"',
    ),
    SecretKind(
        "Kubernetes Secret stringData",
        "kind: Secret\nstringData:\n  api-credential-blob: Str1ngData-Plain-Value\nmetadata:\n  name: api",
        ("Str1ngData-Plain-Value",),
        "name: api",
    ),
    SecretKind(
        "kubeconfig client key and token",
        "users:\n- name: admin\n  user:\n    client-key-data: "
        + _TLS_KEY_B64[:60]
        + "\n    token: kube-T0ken-abcdef123456",
        (_TLS_KEY_B64[:60], "kube-T0ken-abcdef123456"),
        "name: admin",
    ),
    SecretKind(
        "docker config auth",
        '{"auths": {"registry.example.com": {"auth": "' + _DOCKER_AUTH + '"}}}',
        (_DOCKER_AUTH,),
        "registry.example.com",
    ),
    SecretKind(
        "docker identitytoken",
        '{"auths": {"quay.io": {"identitytoken": "dGhpcy1pcy1hbi1pZGVudGl0eS10b2tlbg"}}}',
        ("dGhpcy1pcy1hbi1pZGVudGl0eS10b2tlbg",),
        "quay.io",
    ),
    # --- URLs and headers -----------------------------------------------------------------------------------
    SecretKind(
        "URL with password",
        "DATABASE_HOST=postgres://reporting:Zr8wq2LmN5@analytics-db:5432/reports",
        ("Zr8wq2LmN5",),
        "analytics-db:5432/reports",
    ),
    SecretKind(
        "URL password containing @",
        "git clone https://deploy:p@ssw0rd-X9@git.example.com/team/app.git",
        ("p@ssw0rd-X9", "ssw0rd-X9"),
        "git.example.com/team/app.git",
    ),
    SecretKind(
        "URL password containing / and #",
        "curl -s https://svc:ab/cd#Ef-91@api.internal/v1/health",
        ("ab/cd#Ef-91",),
        "api.internal/v1/health",
    ),
    SecretKind(
        "mongodb+srv URL",
        "mongosh mongodb+srv://appuser:M0ngo-Atl4s-Pw@cluster0.ab1cd.mongodb.net/test",
        ("M0ngo-Atl4s-Pw",),
        "cluster0.ab1cd.mongodb.net",
    ),
    SecretKind(
        "redis URL without user",
        "REDIS_ENDPOINT=redis://:R3dis-Url-Pw@cache.internal:6379/0",
        ("R3dis-Url-Pw",),
        "cache.internal:6379/0",
    ),
    SecretKind(
        "JDBC URL password parameter",
        "jdbc:postgresql://db:5432/app?user=app&password=Jdbc-Pw-9931&ssl=true",
        ("Jdbc-Pw-9931",),
        "ssl=true",
    ),
    SecretKind(
        "Azure SAS signature",
        "https://acct.blob.core.windows.net/c/f.tgz?sv=2022-11-02&se=2030-01-01&sig=Sy8kSamqblDwioeYG8K%2FT6SvIxcCiGnjAPg9hnJYMto%3D",
        ("Sy8kSamqblDwioeYG8K",),
        "sv=2022-11-02",
    ),
    SecretKind(
        "Authorization Bearer header",
        "> Authorization: Bearer 8f911d9e8c1e8503040a7b2a4fe1e9cbec2a265f",
        ("8f911d9e8c1e8503040a7b2a4fe1e9cbec2a265f",),
    ),
    SecretKind(
        "Authorization Basic header",
        "authorization: Basic ZGVwbG95OkJhc2ljLUF1dGgtUHctNzE=",
        ("ZGVwbG95OkJhc2ljLUF1dGgtUHctNzE",),
    ),
    SecretKind(
        "Cookie header",
        "curl -H 'Cookie: sessionid=q8w7e6r5t4y3u2i1o0p9; csrftoken=ZxCvBnM1234567890asdfgh' https://app/",
        ("q8w7e6r5t4y3u2i1o0p9", "ZxCvBnM1234567890asdfgh"),
        "https://app/",
    ),
    SecretKind(
        "Set-Cookie header",
        "< Set-Cookie: __Host-session=b3f1c2d4e5a6978812345; Path=/; Secure; HttpOnly",
        ("b3f1c2d4e5a6978812345",),
        "HttpOnly",
    ),
    SecretKind(
        "curl --cookie option",
        "curl -b 'remember_token=Rmb-T0k-88231' https://shop.internal/cart",
        ("Rmb-T0k-88231",),
        "https://shop.internal/cart",
    ),
    SecretKind(
        "X-API-Key header",
        "X-API-Key: 4c9b1e2f7a8d4e6b9c0d1e2f3a4b5c6d",
        ("4c9b1e2f7a8d4e6b9c0d1e2f3a4b5c6d",),
        "X-API-Key",
    ),
    SecretKind(
        "X-Vault-Token header",
        "curl -H 'X-Vault-Token: hvs.7xViiSarRRfiV22huY9jJBKM' https://vault:8200/v1/sys",
        ("7xViiSarRRfiV22huY9jJBKM",),
        "https://vault:8200/v1/sys",
    ),
    # --- password options of CLIs -----------------------------------------------------------------------------
    SecretKind(
        "curl -u user:password",
        "curl -u ops:W1nter-Storm-88 https://jenkins.internal/api/json",
        ("W1nter-Storm-88",),
        "https://jenkins.internal/api/json",
    ),
    SecretKind(
        "curl --user user:password",
        "curl --user admin:Qz9-pLm2-Xx -X POST https://ci/job/build",
        ("Qz9-pLm2-Xx",),
        "https://ci/job/build",
    ),
    SecretKind(
        "wget --http-password",
        "wget --http-user=bot --http-password=Lk8vB3nX-wget https://dl/x.tgz",
        ("Lk8vB3nX-wget",),
        "https://dl/x.tgz",
    ),
    SecretKind("mysql -pPASSWORD", "mysql -u backup -pB4ckup-2024 -h db1 payroll", ("B4ckup-2024",), "payroll"),
    SecretKind(
        "mysqldump --password=",
        "mysqldump --password=Dump-P4ss-xy --all-databases",
        ("Dump-P4ss-xy",),
        "--all-databases",
    ),
    SecretKind("sshpass -p", "sshpass -p 'Gr33n-Apple' ssh deploy@web3 uptime", ("Gr33n-Apple",), "deploy@web3 uptime"),
    SecretKind("redis-cli -a", "redis-cli -h cache1 -a R3dis-Pass-77 INFO", ("R3dis-Pass-77",), "INFO"),
    SecretKind(
        "htpasswd -b",
        "htpasswd -b /etc/nginx/.htpasswd alice Sunfl0wer-92",
        ("Sunfl0wer-92",),
        "/etc/nginx/.htpasswd alice",
    ),
    SecretKind("htpasswd -nbB", "htpasswd -nbB carol Blu3-Moon-Pw", ("Blu3-Moon-Pw",), "carol"),
    SecretKind(
        "ldapsearch -w",
        "ldapsearch -x -D cn=admin,dc=ex,dc=com -w Ld4p-B1nd-Pw -b dc=ex,dc=com",
        ("Ld4p-B1nd-Pw",),
        "-b dc=ex,dc=com",
    ),
    SecretKind(
        "openssl -passin pass:",
        "openssl pkcs12 -in cert.p12 -passin pass:P12-Exp0rt-Pw -nodes",
        ("P12-Exp0rt-Pw",),
        "-nodes",
    ),
    SecretKind(
        "docker login -p",
        "docker login -u ci -p Dock3r-Hub-Pw registry.example.com",
        ("Dock3r-Hub-Pw",),
        "registry.example.com",
    ),
    SecretKind("sqlcmd -P", "sqlcmd -S db01 -U sa -P 'Sql-Srv-Pw1' -Q 'select 1'", ("Sql-Srv-Pw1",), "select 1"),
    SecretKind(
        "smbclient -U user%password",
        "smbclient //fs01/backup -U svc_backup%Smb-Pass-44 -c ls",
        ("Smb-Pass-44",),
        "-c ls",
    ),
    SecretKind(
        "mount -o password=",
        "mount -t cifs //fs01/share /mnt -o username=svc,password=Cifs-Pw-2,vers=3.0",
        ("Cifs-Pw-2",),
        "vers=3.0",
    ),
    SecretKind(
        "generic --password option",
        "argocd login argo.internal --username admin --password Arg0-Adm1n-Pw",
        ("Arg0-Adm1n-Pw",),
        "--username admin",
    ),
    SecretKind(
        "generic --token= option",
        "helm registry login --token=Helm-Tok3n-5521 oci.example.com",
        ("Helm-Tok3n-5521",),
        "oci.example.com",
    ),
    SecretKind("chpasswd input", "echo 'svc_backup:Chp4sswd-Val' | chpasswd", ("Chp4sswd-Val",), "chpasswd"),
    SecretKind(
        "ssh-keygen passphrase",
        "ssh-keygen -t ed25519 -N 'K3y-Passphrase-1' -f /root/.ssh/id_deploy",
        ("K3y-Passphrase-1",),
        "/root/.ssh/id_deploy",
    ),
    # --- SQL -------------------------------------------------------------------------------------------------
    SecretKind(
        "SQL IDENTIFIED BY",
        "CREATE USER 'report'@'%' IDENTIFIED BY 'Pl4in-Text-Pw';",
        ("Pl4in-Text-Pw",),
        "CREATE USER 'report'@'%'",
    ),
    SecretKind(
        "SQL IDENTIFIED WITH ... BY",
        "ALTER USER 'app'@'localhost' IDENTIFIED WITH caching_sha2_password BY 'N3w-Pass-2024';",
        ("N3w-Pass-2024",),
        "caching_sha2_password",
    ),
    SecretKind(
        "SQL PASSWORD '...'",
        "psql -c \"ALTER ROLE analytics WITH LOGIN PASSWORD 'An4lyt1cs-Pw';\"",
        ("An4lyt1cs-Pw",),
        "ALTER ROLE analytics",
    ),
    SecretKind(
        "SQL SET PASSWORD", "SET PASSWORD FOR 'legacy'@'%' = 'Old-Pa55word';", ("Old-Pa55word",), "SET PASSWORD FOR"
    ),
    # --- assignments in environments and config files -----------------------------------------------------------
    SecretKind(
        "PGPASSWORD= in a command", "PGPASSWORD=Sup3r-S3cret psql -h db -U app", ("Sup3r-S3cret",), "psql -h db -U app"
    ),
    SecretKind("MYSQL_PWD=", "MYSQL_PWD='My-Pwd-7712' mysql -u root", ("My-Pwd-7712",), "mysql -u root"),
    SecretKind(
        ".env password", "DB_HOST=db1\nDB_PASSWORD=Env-Db-Pass-42\nDB_PORT=5432", ("Env-Db-Pass-42",), "DB_PORT=5432"
    ),
    SecretKind(
        "YAML password", "database:\n  host: db1\n  password: Yaml-Pw-3377\n  pool: 5", ("Yaml-Pw-3377",), "pool: 5"
    ),
    SecretKind(
        "JSON client_secret",
        '{"client_id": "web", "client_secret": "Cl1ent-S3cret-Value"}',
        ("Cl1ent-S3cret-Value",),
        '"client_id": "web"',
    ),
    SecretKind(
        "INI secret key",
        "[app]\nSECRET_KEY = 'django-insecure-9x8c7v6b5n4m3'\nDEBUG = False",
        ("django-insecure-9x8c7v6b5n4m3",),
        "DEBUG = False",
    ),
    SecretKind(
        "psql conninfo password",
        'psql "host=db1 dbname=app user=app password=C0nn-Info-Pw sslmode=require"',
        ("C0nn-Info-Pw",),
        "sslmode=require",
    ),
    SecretKind(
        "npmrc _authToken",
        "//registry.npmjs.org/:_authToken=6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b",
        ("6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b",),
        "registry.npmjs.org",
    ),
    SecretKind(
        "Azure storage connection string",
        "DefaultEndpointsProtocol=https;AccountName=prodlogs;AccountKey=jMnVNi3ESbJ0QXb6OdUb0cxwWez5kGgWqcPb4wDadpZaZw7Fn9zgv6EjCY/5FvIGqWzdAQzq8aC9svmURvPVFw==;EndpointSuffix=core.windows.net",
        ("jMnVNi3ESbJ0QXb6OdUb0cxwWez5",),
        "AccountName=prodlogs",
    ),
    SecretKind(
        "Azure client secret",
        "export AZURE_CLIENT_SECRET=Az~8Q~secretValue.Xyz-123",
        ("Az~8Q~secretValue.Xyz-123",),
        "export",
    ),
    SecretKind(
        "Sentry DSN",
        "SENTRY_DSN=https://635464925fd3db51f66598974ee7ca09@o4504.ingest.sentry.io/42",
        ("635464925fd3db51f66598974ee7ca09",),
    ),
    SecretKind(
        "rsync password variable",
        "RSYNC_PASSWORD=Rsync-Pw-42 rsync -a backup@nas::data /srv",
        ("Rsync-Pw-42",),
        "rsync -a",
    ),
    SecretKind(
        "AWS session token",
        "aws_session_token = IQoJb3JpZ2luX2VjE254Ug7S8bYm8GJSFTPlEiuKGyNYGCDbRc1jTMfBSJkfJx4Z6M2f2HIm7Ptl3v0b5nETZhaqY6NfIas72RRSRka6hq3B4S9ZNbTfPa2YSiVbppZUtLgbL",
        ("IQoJb3JpZ2luX2VjE254Ug7S8bYm8",),
        "aws_session_token",
    ),
    SecretKind(
        "AWS secret access key",
        "[default]\naws_access_key_id = AKIAUFLXXMRH3LTA5OUO\naws_secret_access_key = 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",
        ("AKIAUFLXXMRH3LTA5OUO", "0FT4EItlihUVBXIFHOem9bBGzuNp8P3A/ihueFce"),
        "[default]",
    ),
    SecretKind(
        "GCP service account key",
        '{"type": "service_account", "private_key_id": "3f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e", "private_key": "-----BEGIN PRIVATE KEY-----\\n'
        + _B64[0]
        + '\\n-----END PRIVATE KEY-----\\n", "client_email": "ops@proj.iam.gserviceaccount.com"}',
        (_B64[0], "3f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e"),
        "ops@proj.iam.gserviceaccount.com",
    ),
    SecretKind(
        "IBM Cloud API key",
        "ibmcloud login --apikey IbmCl0udApiKeyValue0123456789abcdefABCDEF01",
        ("IbmCl0udApiKeyValue0123456789",),
        "ibmcloud login",
    ),
    SecretKind(
        "Cloudant password",
        "cloudant_password = 0a81f6452ef6594d2c1e216923dc4da7b9e073587c327aa921adc5c9e08a9851",
        ("0a81f6452ef6594d2c1e216923dc4da7",),
    ),
    # --- tokens recognised by their shape -------------------------------------------------------------------------
    SecretKind(
        "GitHub classic token",
        "export GH_TOKEN_FOR_CI ghp_9naHVck6pbd4ZRj2SxphvDTwrzqwo72n3wZu",
        ("9naHVck6pbd4ZRj2SxphvDTwrzqwo72n3wZu",),
    ),
    SecretKind(
        "GitHub fine-grained token",
        "token github_pat_11ABCDEFG0_9naHVck6pbd4ZRj2SxphvDTwrzqwo72n3wZu",
        ("9naHVck6pbd4ZRj2SxphvDTw",),
    ),
    SecretKind(
        "GitLab personal token",
        "git remote add ci https://oauth2:glpat-ot7UGAoKD1AFfDKZxCKu@gitlab.com/g/p.git",
        ("ot7UGAoKD1AFfDKZxCKu",),
        "gitlab.com/g/p.git",
    ),
    SecretKind(
        "GitLab runner token",
        "gitlab-runner register --token glrt-7SPCzX3ZeF981bmiIlN8 --url https://gl",
        ("7SPCzX3ZeF981bmiIlN8",),
        "--url https://gl",
    ),
    SecretKind(
        "npm token",
        "npm config set //npm.pkg/:_password npm_YS2UbsHFj42g5hzdeDU16Jsz7GolI8Gwfptt",
        ("YS2UbsHFj42g5hzdeDU16Jsz7GolI8Gwfptt",),
    ),
    SecretKind(
        "PyPI token",
        "twine upload -u __token__ -p pypi-AgEIcHlwaS5vcmcvOX8R4jI8so_XWbHlKif5hGu_9_fh8k7D5GkbhQW3ShM5Nd3XbSXasGF_QPFO-OaTCRhwn dist/*",
        ("OX8R4jI8so_XWbHlKif5hGu",),
        "dist/*",
    ),
    SecretKind(
        "Slack bot token",
        "SLACK xoxb-734468773029-6890114396092-352ivguvDVNJNEK6hz7YLagY",
        ("352ivguvDVNJNEK6hz7YLagY",),
        "SLACK",
    ),
    SecretKind(
        "Slack app token",
        "socket mode with xapp-1-A0J3KM89UXZ-9084583410957-d08a48b51e632862e57a51bd7d5b45ffee5d2d8e70eac510ee0aee8ceec35aef",
        ("d08a48b51e632862e57a51bd7d5b45ff",),
        "socket mode",
    ),
    SecretKind(
        "Slack webhook URL",
        "curl -X POST https://hooks.slack.com/services/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",
        ("x8Yk2LmN9pQr4StUv6WxYz01",),
        "curl -X POST",
    ),
    SecretKind(
        "Discord bot token",
        "DISCORD MvTKDHfn2okWJGzQgSzRvu53.3Cql73.r5Aht4SSorkKq7sjCQGp9jE8HhP",
        ("MvTKDHfn2okWJGzQgSzRvu53",),
        "DISCORD",
    ),
    SecretKind(
        "Discord webhook URL",
        "https://discord.com/api/webhooks/1180000000000000000/Hk3-DsCrd_wEbHoOk-T0k3n-aBcDeFgHiJkLmN",
        ("Hk3-DsCrd_wEbHoOk-T0k3n",),
    ),
    SecretKind(
        "Telegram bot token",
        "bot 360077562:AABY2CK08Z8CPWTRWQQmq-CDjwNGBE-G-xE ready",
        ("AABY2CK08Z8CPWTRWQQmq",),
        "ready",
    ),
    SecretKind(
        "Twilio API key",
        "twilio api key SKfb56a318171bca9aabdc0f7d25d43121 for sms",
        ("SKfb56a318171bca9aabdc0f7d25d43121",),
        "for sms",
    ),
    SecretKind(
        "SendGrid API key",
        "sendgrid: 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",
        ("4H9GdCGbjaLCY8EoSjRkGNyp",),
    ),
    SecretKind(
        "Mailchimp API key", "mailchimp c9a384078e4c92c71fb556339b5749d4-us14", ("c9a384078e4c92c71fb556339b5749d4",)
    ),
    SecretKind("Stripe live key", "stripe sk_live_KEpSbiHP5QW1cY4YxBfEvMkP", ("KEpSbiHP5QW1cY4YxBfEvMkP",)),
    SecretKind(
        "Stripe restricted test key",
        "restricted rk_test_2SxYJdUPDdFQvMMkXpzSxC9L key",
        ("2SxYJdUPDdFQvMMkXpzSxC9L",),
        "key",
    ),
    SecretKind(
        "Stripe webhook secret",
        "signing secret whsec_4zRX18xyejrR5NpNhgenznueBwnc0UyS",
        ("4zRX18xyejrR5NpNhgenznueBwnc0UyS",),
    ),
    SecretKind(
        "Square OAuth secret", "sq0csp-mBJUAbKY2PbWajf8g8EulHAT1DTIc8hTgyj6ZY4biFs", ("mBJUAbKY2PbWajf8g8EulHAT1",)
    ),
    SecretKind(
        "Square access token",
        "square EAAAtJtuxD13NGp8eYjtyvI3FOBrHltC8soaxyQ81ozxO9qeam7exW0cQt1Go5RZ",
        ("tJtuxD13NGp8eYjtyvI3FOBr",),
    ),
    SecretKind(
        "Anthropic API key",
        "sk-ant-api03-McbxsrhOzOkItgDcwnGBy2LqEsaOgqaHslPqAVnXuigvEJwyOvgh1owW_j6E8ODDWrMGpMJE-U_S296_",
        ("McbxsrhOzOkItgDcwnGBy2",),
    ),
    SecretKind(
        "OpenAI project key",
        "OPENAI sk-proj-7QCmXnGvNCwqsKvexBADqM5jUPMDH7eibzxY27UZc4YC9oRq",
        ("7QCmXnGvNCwqsKvexBADqM5j",),
        "OPENAI",
    ),
    SecretKind(
        "Hugging Face token",
        "huggingface-cli login --token hf_JOEQ6B0m73DuopZ1fXjQVYnNuNvzclG7Eg",
        ("JOEQ6B0m73DuopZ1fXjQVYnNuNvzclG7Eg",),
    ),
    SecretKind(
        "DigitalOcean token",
        "doctl auth init -t dop_v1_fa5e00748d758254d430ca700e11de4fb898221827218208e57f85b2c47758bc",
        ("fa5e00748d758254d430ca700e11de4f",),
    ),
    SecretKind(
        "Shopify access token", "shopify 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", ("83cf982b83dd56c5649ad90ec780e00e",)
    ),
    SecretKind(
        "Databricks token", "databricks dapid2f70514ee63b0f661b6d6117d446d68", ("d2f70514ee63b0f661b6d6117d446d68",)
    ),
    SecretKind(
        "Terraform Cloud token",
        "tfc VpNCGifby8a4cq.atlasv1.57s3ImGgfFviB8JI6xGHchFSyLolFD9GLFfojFCJpm37WXwiHluMHYgYF8FWRYNDJoT",
        ("57s3ImGgfFviB8JI6xGHchFSyLol",),
    ),
    SecretKind(
        "Grafana service account token",
        "grafana glsa_yQHzEgFsaLWyhvv2zzWXSgHIdc1GaYtr_d56817fb",
        ("yQHzEgFsaLWyhvv2zzWXSgHIdc1GaYtr",),
    ),
    SecretKind(
        "Vault service token",
        "vault login hvs.CAESIsfFI3O1AEVIIcc4XiqjtkJL7OWCElMFMwGHw7Bh76nUF6iojZJmd4WSThBWP1iuvMot6j7bWXZOmsZkn",
        ("CAESIsfFI3O1AEVIIcc4Xiqjtk",),
        "vault login",
    ),
    SecretKind(
        "Atlassian API token",
        "jira ATATT3xFfGF0iopfEZWECRcwj80bPTrt6oJucmRvDDi507yrL4ZqXbvejkKHra1Cy0egFffZ=93D68986",
        ("iopfEZWECRcwj80bPTrt6oJucm",),
    ),
    SecretKind(
        "Postman API key",
        "postman PMAK-4124dc3ff8755a4b75765b11-acb30536e5d6aaee39db11f7664cc3c586",
        ("acb30536e5d6aaee39db11f7664cc3c586",),
    ),
    SecretKind("New Relic user key", "newrelic NRAK-DQ8369S8YVMNV66DKRXNNS3YX5J", ("DQ8369S8YVMNV66DKRXNNS3YX5J",)),
    SecretKind(
        "Google API key", "maps AIzatbNmBWIwdXr3CpLE7E8nwtiliIusX2bzg-Y", ("tbNmBWIwdXr3CpLE7E8nwtiliIusX2bzg",)
    ),
    SecretKind(
        "Google OAuth client secret", "client 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", ("EXns20Yk6Gnw0WXsRCU5_vI",)
    ),
    SecretKind(
        "JSON Web Token",
        "kubectl --server https://k8s:6443 get pods --as x eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJvcHMtYm90IiwiZXhwIjoxOTk5OTk5OTk5fQ.XedX3FAeEvB2cJEKHOJBIer3H8OOUtaxMfQJgw60FBe",
        ("eyJzdWIiOiJvcHMtYm90IiwiZXhwIjoxOTk5OTk5OTk5fQ", "XedX3FAeEvB2cJEKHOJBIer3H8OOUtaxMfQJgw60FBe"),
        "get pods",
    ),
)

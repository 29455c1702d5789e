import Type, { type Static } from 'typebox'

/** One court clearfile files with, as the courts configuration file (CLEARFILE_COURTS) lists it. */
export const CourtEntry = Type.Object(
  {
    id: Type.String({ minLength: 1, description: 'Court id used in filings, e.g. CA-SF' }),
    name: Type.String({ minLength: 1, description: 'e.g. Superior Court of California, County of San Francisco' }),
    county: Type.String({ minLength: 1 }),
    adapter: Type.String({ minLength: 1, description: 'ecf4-soap | simulator | file-drop' }),
    endpoint: Type.Optional(Type.String({ minLength: 1, description: "The court's FilingReviewMDE URL" })),
    credentialsRef: Type.Optional(
      Type.String({
        pattern: '^[A-Z][A-Z0-9_]*$',
        description:
          'Environment variable holding `username:password` of a vendor login: each request to the court carries it as HTTP Basic authentication'
      })
    ),
    bearerTokenRef: Type.Optional(
      Type.String({
        pattern: '^[A-Z][A-Z0-9_]*$',
        description:
          'Environment variable holding a token the court issued: each request carries `Authorization: Bearer <token>`'
      })
    ),
    clientCertificate: Type.Optional(
      Type.Object(
        {
          certFile: Type.String({
            minLength: 1,
            description: "PEM file of the DA office's client certificate (and chain)"
          }),
          keyFile: Type.String({ minLength: 1, description: 'PEM file of its private key' }),
          passphraseRef: Type.Optional(
            Type.String({
              pattern: '^[A-Z][A-Z0-9_]*$',
              description: "Environment variable holding the key's passphrase"
            })
          ),
          caFile: Type.Optional(
            Type.String({
              minLength: 1,
              description: "PEM file of the CA the court's server certificate chains to, when not a public one"
            })
          )
        },
        {
          additionalProperties: false,
          description: 'Mutual TLS to the court: the certificate clearfile presents when it connects to `endpoint`'
        }
      )
    ),
    wsSecurity: Type.Optional(
      Type.Object(
        {
          certFile: Type.String({ minLength: 1, description: "PEM file of the DA office's signing certificate" }),
          keyFile: Type.String({ minLength: 1, description: 'PEM file of its private key' }),
          passphraseRef: Type.Optional(
            Type.String({
              pattern: '^[A-Z][A-Z0-9_]*$',
              description: "Environment variable holding the key's passphrase"
            })
          ),
          ttlSeconds: Type.Optional(
            Type.Integer({
              minimum: 30,
              maximum: 3600,
              description: 'How long a signed message stays valid (default 300)'
            })
          ),
          signingThreads: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 16,
              description:
                'Worker threads that sign messages for this court (default 1; 0 signs on the main thread): signing takes about 10 ms a filing, which would otherwise hold up the event loop'
            })
          )
        },
        {
          additionalProperties: false,
          description:
            'WS-Security (WS-I Basic Security Profile 1.0, as the ECF 4.01 Web Services SIP asks): every message to the court carries the certificate as a BinarySecurityToken and an X.509 signature (exclusive c14n, RSA-SHA256) over its Timestamp and Body'
        }
      )
    ),
    callbackSecretRef: Type.Optional(
      Type.String({
        pattern: '^[A-Z][A-Z0-9_]*$',
        description: 'Environment variable holding the shared secret the court signs callbacks with'
      })
    ),
    callbackSignature: Type.Optional(
      Type.Object(
        {
          secretRef: Type.String({
            pattern: '^[A-Z][A-Z0-9_]*$',
            description: 'Environment variable holding the key the court signs its callbacks with'
          }),
          header: Type.Optional(
            Type.String({ minLength: 1, description: 'The header carrying the signature (default X-Court-Signature)' })
          ),
          algorithm: Type.Optional(
            Type.Union([Type.Literal('sha256'), Type.Literal('sha512')], {
              description: 'The HMAC hash (default sha256)'
            })
          ),
          timestampHeader: Type.Optional(
            Type.String({
              minLength: 1,
              description:
                'The header carrying the time of signing (Unix seconds). When set, the court signs `<timestamp>.<raw body>` and a callback signed longer ago (or further ahead) than `toleranceSeconds` is refused, so a recorded callback cannot be replayed later'
            })
          ),
          toleranceSeconds: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 3600,
              description: 'How far the signing time may be from ours (default 300)'
            })
          )
        },
        {
          additionalProperties: false,
          description:
            'The court signs each callback with an HMAC of the raw body (and the time of signing, with `timestampHeader`), sent as `sha256=<hex>`, bare hex or base64 in a header: the callback is authenticated and its body cannot be altered. Takes the place of a shared secret'
        }
      )
    ),
    callbackWsSecurity: Type.Optional(
      Type.Object(
        {
          certFile: Type.String({
            minLength: 1,
            description: "The court's certificate (PEM) its callbacks are signed with"
          })
        },
        {
          additionalProperties: false,
          description:
            'The court signs each callback with WS-Security (WS-I BSP 1.0: its X.509 certificate as a BinarySecurityToken, a signature over the Timestamp and the Body): a callback is taken only when that certificate signed it and its Timestamp has not expired, and only the signed Body is read. Takes the place of a shared secret'
        }
      )
    ),
    callbackCertFingerprint: Type.Optional(
      Type.String({
        pattern: '^([0-9A-F]{2}:){31}[0-9A-F]{2}$',
        description:
          'Mutual TLS: the SHA-256 fingerprint of the client certificate the court calls back with (e.g. openssl x509 -fingerprint -sha256). When set, the court is authenticated by it, not by a shared secret'
      })
    ),
    reportColumns: Type.Optional(
      Type.Partial(
        Type.Object(
          {
            caseNumber: Type.String(),
            name: Type.String(),
            dob: Type.String(),
            courtFilingId: Type.String(),
            filingId: Type.String(),
            codeSection: Type.String(),
            ruling: Type.String(),
            orderDate: Type.String(),
            docketId: Type.String()
          },
          { additionalProperties: false }
        ),
        {
          description:
            "The court's CSV outcome-report column names, where they differ from the defaults (case_number, defendant_name, defendant_dob, court_filing_id, filing_id, code_section, ruling, order_date, docket_id)"
        }
      )
    ),
    outboxDir: Type.Optional(
      Type.String({ minLength: 1, description: 'file-drop: the folder filing packages are written to' })
    ),
    inboxDir: Type.Optional(
      Type.String({
        minLength: 1,
        description: "file-drop: the folder the court's outcome reports (CSV or ECF XML) are picked up from"
      })
    ),
    filerId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          "The filer id (ECFFilerID) the court gave the DA office's account (default `clearfile`): named as the submitter of every filing and query, and how clearfile tells its own filings from others' in a court's GetFilingList"
      })
    ),
    echoesFilerIds: Type.Optional(
      Type.Boolean({
        description:
          "Whether the court's GetFilingList returns the filer's own filing id (default true). When false, a send that may have reached the court is found by elimination in its case (the court's filings there since it was made, submitted under `filerId`, less those our other filings hold), or by its documents' SHA-256 in the court's callback; what cannot be told apart waits in `unknown` for a person, never resent"
      })
    ),
    statusPolling: Type.Optional(
      Type.Union([Type.Literal('list'), Type.Literal('each')], {
        description:
          "How open filings are asked about: `list` (the default for ECF courts) — one GetFilingList of the days since the oldest open filing (at most `statusListDays`) answers for all of them, each poll reading the court's latest list; a filing the list does not name is asked about alone — or `each`, one GetFilingStatus per filing, for a court whose list leaves out what its status says (rulings)"
      })
    ),
    statusListDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 366,
        description:
          'How many days a status list reaches back (default 30): filings older than that are asked about alone'
      })
    ),
    usePolicy: Type.Optional(
      Type.Boolean({
        description:
          "Whether to ask the court for its policy (GetPolicy) and check every filing against it before sending (default true): its code lists for the elements they govern, its operations, case types and sizes. A filing the court's policy refuses fails with CLEARFILE_ERR_COURT_POLICY and the reasons, and is not sent"
      })
    ),
    policyRefreshHours: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 168,
        description: "How long a court's policy and code lists are used before they are asked for again (default 24)"
      })
    ),
    calculateFees: Type.Optional(
      Type.Boolean({
        description:
          "Whether to ask the court what it would charge (GetFeesCalculation) before each send, where its policy offers it (default true). A DA's filings are fee-exempt (Gov. Code, § 6103): a fee above zero fails the filing with CLEARFILE_ERR_COURT_FEE rather than incur it"
      })
    ),
    codes: Type.Optional(
      Type.Object(
        {
          caseCategory: Type.Optional(
            Type.String({ minLength: 1, description: 'nc:CaseCategoryText (default `criminal`)' })
          ),
          defendantRole: Type.Optional(
            Type.String({
              minLength: 1,
              description: 'ecf:CaseParticipantRoleCode of the defendant (default `Defendant`)'
            })
          ),
          motion: Type.Optional(
            Type.String({
              minLength: 1,
              description: "j:RegisterActionDescriptionText of the People's motion (default `Motion`)"
            })
          ),
          proposedOrder: Type.Optional(
            Type.String({
              minLength: 1,
              description: 'j:RegisterActionDescriptionText of the proposed order (default `Proposed Order`)'
            })
          )
        },
        {
          additionalProperties: false,
          description:
            'The codes this court knows our filings by, from its code lists (GetPolicy), where they differ from the defaults'
        }
      )
    ),
    mtom: Type.Optional(
      Type.Boolean({
        description:
          'Send filings with MTOM/XOP: each PDF a binary MIME part instead of base64 text (for EFMs that ask for it)'
      })
    ),
    limits: Type.Optional(
      Type.Object(
        {
          concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 100 })),
          requestsPerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0 }))
        },
        { additionalProperties: false }
      )
    )
  },
  { additionalProperties: false }
)

export const CourtsFile = Type.Array(CourtEntry, { minItems: 1 })
export type CourtEntry = Static<typeof CourtEntry>

"""The Dagster resource that hands the uploads or exports storage to ops and sensors."""

from __future__ import annotations

import dagster as dg

from resources.storage import Storage, storage_for, storage_url


class StorageResource(dg.ConfigurableResource):
    """Uploads or exports storage: `url` if set, else $UPLOADS_URL / $EXPORTS_URL, else
    ./data/uploads or ./data/exports."""

    kind: str = "uploads"
    url: str = ""

    def resolved_url(self) -> str:
        return storage_url(self.kind, self.url)

    def storage(self) -> Storage:
        return storage_for(self.kind, self.url)

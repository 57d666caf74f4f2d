"""What OPTIONS says about an API view (REST_FRAMEWORK["DEFAULT_METADATA_CLASS"]).

Its own module: DRF imports it while defining APIView, so it must not import
rest_framework.views itself.
"""

from __future__ import annotations

from rest_framework import metadata


class Metadata(metadata.SimpleMetadata):
    """OPTIONS answers with the view's name, description, formats and (in Allow) its methods.

    DRF's default also describes the fields of a POST/PUT by calling the view's
    get_serializer(), which our views (serializers nested per method) do not
    have: OPTIONS was a 500. The fields are in the OpenAPI schema at /api/schema/.
    """

    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }

from django import forms
from django.utils.translation import gettext_lazy as _
from netbox.plugins import get_plugin_config

__all__ = ('RawFileForm',)


class RawFileForm(forms.Form):
    """YAML for a fabric's raw/ folder: a file, or pasted text with a name."""

    file = forms.FileField(
        label=_('File'), required=False, widget=forms.ClearableFileInput(attrs={'accept': '.yaml,.yml'})
    )
    name = forms.CharField(
        label=_('Name in raw/'),
        required=False,
        help_text=_('Required for pasted YAML, e.g. wiring.yaml; a file keeps its own name unless one is given here.'),
    )
    text = forms.CharField(
        label=_('Or paste YAML'),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={'rows': 14, 'class': 'font-monospace', 'spellcheck': 'false'}),
    )
    replace = forms.BooleanField(
        label=_('Replace the file of that name'),
        required=False,
        help_text=_(
            'Its previous content is kept in .hnp/replaced/ first. Without this, a name already taken in raw/ '
            'gives the new file the next free name.'
        ),
    )

    def clean(self):
        data = super().clean()
        upload, text = data.get('file'), data.get('text') or ''
        if upload and text.strip():
            raise forms.ValidationError(_('Choose a file or paste YAML, not both.'))
        if not upload and not text.strip():
            raise forms.ValidationError(_('Choose a file or paste YAML.'))
        if not upload and not data.get('name'):
            self.add_error('name', _('Give the pasted YAML a file name, e.g. wiring.yaml.'))
        return data

    def named_content(self):
        """(name, bytes) to add to raw/. A file is read to one byte past max_file_bytes at most: the upload
        service refuses it then, and a huge file never sits in memory whole."""
        upload = self.cleaned_data['file']
        if upload:
            limit = get_plugin_config('netbox_hedgehog', 'max_file_bytes')
            return self.cleaned_data['name'] or upload.name, upload.read(limit + 1)
        # Browsers send a textarea's lines ending in CRLF; the file gets the lines as they were typed.
        return self.cleaned_data['name'], self.cleaned_data['text'].replace('\r\n', '\n').encode()
